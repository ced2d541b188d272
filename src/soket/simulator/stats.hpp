#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "soket/simulator/curves.hpp"
#include "soket/simulator/options.hpp"

namespace soket::simulator {

/// A snapshot of what the simulated devices did since start().
struct SimulatorStats {
  uint64_t devices = 0;           ///< planned devices
  uint64_t tcp_devices = 0;       ///< of which over TCP
  uint64_t udp_devices = 0;       ///< of which over UDP
  uint64_t online = 0;            ///< TCP devices connected and greeted (HELLO answered OK) now
  uint64_t connects = 0;          ///< TCP connections established
  uint64_t connect_failures = 0;  ///< TCP connection attempts that failed or timed out
  uint64_t disconnects = 0;       ///< established TCP connections that ended (not by stop())
  uint64_t hellos_sent = 0;       ///< HELLO messages (TCP and UDP)
  uint64_t hellos_refused = 0;    ///< HELLO answered with ERR
  uint64_t readings_sent = 0;     ///< reading messages (TCP and UDP)
  uint64_t replies_ok = 0;        ///< OK received for a HELLO or a reading
  uint64_t replies_err = 0;       ///< ERR received for a HELLO or a reading
  uint64_t reply_timeouts = 0;    ///< HELLO or reading without a reply within reply_timeout
  uint64_t commands = 0;          ///< command lines received
  uint64_t commands_unknown = 0;  ///< of which the device did not understand
  uint64_t udp_send_errors = 0;   ///< datagrams the socket refused to send
};

/// The counters behind SimulatorStats; updated by the devices, readable from any thread.
struct SimulatorCounters {
  ///@{
  /// The live value of the SimulatorStats field of the same name.
  std::atomic<uint64_t> online{0}, connects{0}, connect_failures{0}, disconnects{0}, hellos_sent{0},
      hellos_refused{0}, readings_sent{0}, replies_ok{0}, replies_err{0}, reply_timeouts{0},
      commands{0}, commands_unknown{0}, udp_send_errors{0};
  ///@}

  /// Copies every counter into `s` (the planned-device counts are not touched).
  void fill(SimulatorStats& s) const;
};

/// What every device of one simulator shares (immutable once the devices run).
struct DeviceContext {
  /// The simulator's settings.
  SimulatorOptions options;
  /// When the simulator started (real time).
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  /// What the devices did so far.
  SimulatorCounters counters;

  /// The simulated time now, in hours since midnight of the first day (see simulated_hours()).
  double sim_hours_now() const {
    return simulated_hours(options.start_hour, options.time_scale,
                           std::chrono::steady_clock::now() - started);
  }
};

inline void SimulatorCounters::fill(SimulatorStats& s) const {
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  s.online = get(online);
  s.connects = get(connects);
  s.connect_failures = get(connect_failures);
  s.disconnects = get(disconnects);
  s.hellos_sent = get(hellos_sent);
  s.hellos_refused = get(hellos_refused);
  s.readings_sent = get(readings_sent);
  s.replies_ok = get(replies_ok);
  s.replies_err = get(replies_err);
  s.reply_timeouts = get(reply_timeouts);
  s.commands = get(commands);
  s.commands_unknown = get(commands_unknown);
  s.udp_send_errors = get(udp_send_errors);
}

}  // namespace soket::simulator
