#pragma once

#include <memory>
#include <vector>

#include "soket/net/asio.hpp"
#include "soket/simulator/options.hpp"
#include "soket/simulator/plan.hpp"
#include "soket/simulator/stats.hpp"

namespace soket::simulator {

class TcpDevice;
class UdpDevice;

/// A village of virtual ESP8266 devices talking to a soket server (`soket simulate`).
///
/// Every device (plan_devices()) connects on its own, says
/// `HELLO <id> [token] group=<group> kind=<lamp|light|greenhouse>`, waits for `OK`, then sends one
/// reading per interval and waits for its `OK`:
/// - `light-gang-<k>`: `light=<lux>` following the day (daylight_lux(); a simulated day lasts
///   24 h / time_scale);
/// - `lamp-gang-<k>-<n>`: `lamp=0|1`; obeys `lamp-on`, `lamp-off`, `led-on`, `led-off`;
/// - `greenhouse-<n>`: `temp=<°C> hum=<%> fan=0|1 pump=0|1` following a daily climate with noise;
///   obeys `fan-on`/`fan-off` (cools, dries), `pump-on`/`pump-off` (wets), `led-on`/`led-off`.
/// Commands are answered `OK`, unknown ones `ERR unknown command: <text>`; a command that changes
/// a value is followed at once by a reading. Lost connections are retried with capped, jittered
/// exponential backoff, so the village comes back by itself after a server restart. A share of
/// the light sensors (udp_share) sends datagrams to the UDP port instead (see UdpDevice).
///
/// Usage:
///   asio::io_context io;
///   Simulator sim(io, options);  // throws std::invalid_argument for bad options
///   sim.start();                 // throws std::runtime_error when the host cannot be resolved
///   io.run();                    // one or more threads; each device keeps to its own strand
///   ...  sim.stop();             // from any thread; io.run() returns once everything wound down
///
/// stats() may be called from any thread; the rest from one thread at a time.
class Simulator {
 public:
  /// A village of `options` (its devices planned now) on `io`. Throws std::invalid_argument when
  /// the options are not valid (validate_options()).
  Simulator(net::asio::io_context& io, SimulatorOptions options);
  /// Calls stop().
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  /// Resolves the host and starts every device (each after a random delay within one interval).
  /// The simulated clock starts now, at options.start_hour. Throws std::logic_error when called
  /// twice or after stop().
  void start();
  /// Closes every connection and cancels every timer (asynchronously, on the devices' strands).
  /// Idempotent.
  void stop();

  /// What the devices did so far. Thread-safe.
  SimulatorStats stats() const;
  /// The options the simulator runs with.
  const SimulatorOptions& options() const { return context_->options; }
  /// The devices, in plan_devices() order.
  const std::vector<DevicePlan>& devices() const { return plan_; }
  /// The simulated hour of day, [0, 24): start_hour until start().
  double simulated_hour() const;

 private:
  net::asio::io_context& io_;
  std::shared_ptr<DeviceContext> context_;
  std::vector<DevicePlan> plan_;
  std::vector<std::shared_ptr<TcpDevice>> tcp_devices_;
  std::vector<std::shared_ptr<UdpDevice>> udp_devices_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace soket::simulator
