#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "soket/cluster/redis_client.hpp"
#include "soket/cluster/redis_url.hpp"
#include "soket/net/asio.hpp"

namespace soket::hub {

/// Settings of the hub's link between nodes.
struct HubClusterOptions {
  std::string node;                  ///< this node's name (--node-id)
  std::string prefix = "soket:hub";  ///< the hub channel, and the keys' prefix
  /// How often the heartbeat is written, the lease renewed and dead nodes looked for.
  std::chrono::milliseconds tick{500};
  /// A node whose heartbeat key is older than this is dead (its devices go offline).
  std::chrono::milliseconds node_ttl{3000};
  /// The leader's lease; another node takes over at most this long after the leader died.
  std::chrono::milliseconds lease_ttl{3000};
};

/// The hub's own link between nodes, next to the Socket.IO adapter: a heartbeat key per node
/// (`<prefix>:node:<name>`, with a TTL), a leader lease (`SET <prefix>:leader <node> NX PX`,
/// renewed by its holder only) and one pub/sub channel (`<prefix>`) carrying JSON messages
/// `{t, from, ...}` between the hubs. Two Redis connections of its own: commands, subscription.
class HubCluster : public std::enable_shared_from_this<HubCluster> {
 public:
  /// What the hub is told by the link.
  struct Handlers {
    /// A message of another node (never one of this node's own).
    std::function<void(const boost::json::object& message)> on_message;
    /// The first answer about the lease (either way), then each change: leads (true) or not.
    std::function<void(bool leader)> on_leadership;
    /// Leader only, every tick: the nodes to check (those that hold online devices).
    std::function<std::vector<std::string>()> nodes_to_check;
    /// Leader only: a checked node has no heartbeat any more.
    std::function<void(const std::string& node)> on_node_dead;
    /// Both connections are up again (or for the first time), after this node's heartbeat and
    /// lease request went out: what was published while either was down is lost.
    std::function<void()> on_link_up;
  };

  /// A link to the Redis at `url`; nothing is connected before start().
  static std::shared_ptr<HubCluster> create(net::asio::io_context& io, cluster::RedisUrl url,
                                            HubClusterOptions options, Handlers handlers);
  ~HubCluster();
  HubCluster(const HubCluster&) = delete;
  HubCluster& operator=(const HubCluster&) = delete;

  /// Connects, subscribes to the hub channel and starts the heartbeat and the lease.
  void start();
  /// Gives the lease back (another node leads at once) and closes the connections.
  void stop();

  /// Sends `message` (with "from" set to this node) to every other node. Dropped while Redis is
  /// unreachable (pub/sub: at most once).
  void publish(boost::json::object message);
  /// Whether this node holds the lease now (it expires locally when it cannot be renewed).
  bool leader() const;
  /// This node's name.
  const std::string& node() const { return options_.node; }

 private:
  HubCluster(net::asio::io_context& io, cluster::RedisUrl url, HubClusterOptions options,
             Handlers handlers);
  void schedule_tick();
  void tick();
  void set_leader(bool leader);
  void on_channel_message(std::string_view payload);
  /// Calls on_link_up when both connections have become ready.
  void link_changed();

  net::asio::io_context& io_;
  HubClusterOptions options_;
  Handlers handlers_;
  std::shared_ptr<cluster::RedisClient> commands_;
  std::shared_ptr<cluster::RedisClient> subscriber_;
  net::asio::steady_timer timer_;
  std::string channel_, node_key_, leader_key_;
  bool leader_ = false;
  bool decided_ = false;  // whether the first lease attempt was answered
  std::chrono::steady_clock::time_point lease_until_{};
  bool stopped_ = false;
  bool commands_up_ = false;
  bool subscribed_ = false;
  bool link_up_ = false;  // both of the above, as last reported
};

}  // namespace soket::hub
