#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "soket/gateway/device_server.hpp"
#include "soket/store/types.hpp"

namespace soket::hub {

/// What the hub knows of one device right now.
struct LiveDevice {
  std::string id;                        ///< the device's id
  std::string name;                      ///< HELLO's `name=`; "" when none was given
  std::string group;                     ///< its group (HELLO's `group=` or [groups]); "" for none
  std::string kind;                      ///< HELLO's `kind=`: "lamp", "light", "greenhouse", ...
  std::string transport;                 ///< "tcp", "udp" or "" (never seen since the start)
  std::string address;                   ///< its last peer address, "ip:port"
  bool online = false;                   ///< connected (TCP) or heard from lately (UDP)
  int64_t first_seen = 0;                ///< first time it was seen (ms since the epoch)
  int64_t last_seen = 0;                 ///< last time it was seen (ms since the epoch)
  std::map<std::string, double> latest;  ///< the latest numeric value of each reading key
  gateway::DeviceConnectionPtr connection;  ///< while connected over TCP
  /// In a cluster: the node that holds it while online.
  std::string node;
  /// In a cluster: whether `node` is another node (its connection is there; commands for it go
  /// there).
  bool remote = false;
  bool command_ids = false;              ///< HELLO ... cmdid=1: commands go out as "cmd #<id>"
  int64_t udp_interval_ms = 0;           ///< UDP: its reporting interval (smoothed); 0 unknown
  std::deque<int64_t> awaiting_reply;    ///< commands written, oldest first, not yet answered
  std::map<int64_t, int64_t> delivered;  ///< commands written on this connection -> when
};

/// Every device seen, stored or live, by id.
class DeviceRegistry {
 public:
  /// The stored devices (all offline) with their latest values.
  void load(const std::vector<store::Device>& stored,
            const std::vector<store::LatestValue>& latest);

  /// The device `id`, or null when it was never seen.
  LiveDevice* find(const std::string& id);
  /// The device `id`, added (empty, offline) if it was never seen.
  LiveDevice& get_or_add(const std::string& id);

  /// Whether UDP devices take commands (as datagrams to their address).
  void set_udp_commands(bool on) { udp_commands_ = on; }
  /// Whether a command can ever reach this device: TCP, or UDP with udp_commands on.
  bool takes_commands(const LiveDevice& device) const {
    return device.transport != "udp" || udp_commands_;
  }

  /// Ids for a command target: "*" (devices that can take a command now: connected over TCP, and
  /// online UDP devices with udp_commands), "group:<name>" (without UDP devices unless
  /// udp_commands), or one id.
  std::vector<std::string> resolve(const std::string& target) const;

  /// The lamps of an alley: the group's devices and the listed ids, without light sensors
  /// (kind "light" or the alley's own sensor), which share the group in the village.
  std::vector<std::string> alley_lamps(const std::string& group,
                                       const std::vector<std::string>& lamps,
                                       const std::string& light_sensor) const;

  /// Calls `f(LiveDevice&)` for every device, by id.
  template <class F>
  void for_each(F&& f) {
    for (auto& [id, device] : devices_)
      f(device);
  }

  /// `device` as the dashboard shows it: {id, name (the id when none), group, kind, transport,
  /// address, online, commands, first_seen, last_seen, latest, node?}.
  boost::json::object to_json(const LiveDevice& device) const;
  /// Every device as to_json() gives it, by id.
  boost::json::array all_json() const;
  /// The devices in the dashboard's order: online first, then the most recently seen, then by id.
  std::vector<const LiveDevice*> by_recency() const;
  /// How many devices are online.
  std::size_t online_count() const;
  /// How many devices the registry knows.
  std::size_t size() const { return devices_.size(); }

 private:
  std::map<std::string, LiveDevice> devices_;  // ordered: lists come out sorted by id
  bool udp_commands_ = false;
};

}  // namespace soket::hub
