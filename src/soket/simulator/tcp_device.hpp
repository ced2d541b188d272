#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "soket/net/asio.hpp"
#include "soket/simulator/backoff.hpp"
#include "soket/simulator/models.hpp"
#include "soket/simulator/plan.hpp"
#include "soket/simulator/stats.hpp"

namespace soket::simulator {

/// One virtual device on a TCP connection, behaving like a course sketch grown up: connect, send
/// HELLO and wait for OK, then one reading per interval, each waiting for its OK (at most one
/// message unanswered). Command lines from the server go to the model, are answered (OK / ERR)
/// and, when they change a reported value, trigger a reading right away. After a lost connection,
/// a refused HELLO or max_missed_replies replies in a row not coming, it reconnects with backoff.
///
/// All work runs on the device's own strand, so the io_context may be run by several threads.
class TcpDevice : public std::enable_shared_from_this<TcpDevice> {
 public:
  /// A device of `plan` that will talk to `server`, sharing `context` with the other devices.
  TcpDevice(net::asio::io_context& io, DevicePlan plan, std::shared_ptr<DeviceContext> context,
            net::tcp::endpoint server);

  /// First connection after a random delay within one interval (devices do not all start at once).
  void start();
  /// Closes the connection and cancels everything; the device does nothing afterwards.
  void stop();

  /// What this device is.
  const DevicePlan& plan() const { return plan_; }

 private:
  enum class State { idle, waiting, connecting, greeting, running, stopped };
  // One TCP connection; handlers hold it, so its buffers outlive their operations.
  struct Link {
    explicit Link(net::asio::strand<net::asio::io_context::executor_type>& strand)
        : socket(strand) {}
    net::tcp::socket socket;
    std::string read_buffer;
    std::deque<std::string> write_queue;
    bool writing = false;
  };
  using LinkPtr = std::shared_ptr<Link>;

  void schedule_connect(std::chrono::milliseconds delay);
  void connect();
  void on_connected();
  void read_next(const LinkPtr& link);
  void on_line(std::string_view line);
  void on_reply(bool ok, std::string_view line);
  void on_command(std::string_view line);
  void send_line(std::string line);
  void write_next(const LinkPtr& link);
  void send_reading();
  void schedule_reading(std::chrono::milliseconds delay);
  void arm_reply_timer(std::chrono::milliseconds timeout);
  void on_reply_timeout();
  void drop(std::string_view why);
  std::chrono::milliseconds jittered_interval();

  net::asio::strand<net::asio::io_context::executor_type> strand_;
  net::asio::steady_timer tick_timer_;   // waiting to reconnect, or to send the next reading
  net::asio::steady_timer reply_timer_;  // connect timeout, or reply timeout
  uint64_t tick_seq_ = 0;                // bumped per arm: a stale expiry is recognised
  uint64_t reply_seq_ = 0;
  DevicePlan plan_;
  std::shared_ptr<DeviceContext> context_;
  net::tcp::endpoint server_;
  std::unique_ptr<DeviceModel> model_;
  SimRandom random_;
  Backoff backoff_;
  State state_ = State::idle;
  LinkPtr link_;
  bool awaiting_reply_ = false;
  bool report_pending_ = false;  // a command changed a value: send a reading as soon as possible
  int missed_replies_ = 0;
  bool refusal_logged_ = false;  // a refused HELLO was logged as a warning
};

}  // namespace soket::simulator
