#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "soket/net/asio.hpp"
#include "soket/simulator/backoff.hpp"
#include "soket/simulator/models.hpp"
#include "soket/simulator/plan.hpp"
#include "soket/simulator/stats.hpp"

namespace soket::simulator {

/// One virtual sensor sending datagrams (readings only; commands need TCP). It first sends its
/// HELLO. With udp_wait_ok it waits for the server's `OK` datagram after each message: a missing
/// reply counts as lost, and the next message, after a backoff delay, is the HELLO again (the
/// server may have restarted and forgotten the name). Without udp_wait_ok it sends one message per
/// interval and repeats the HELLO every udp_hello_every datagrams.
///
/// All work runs on the device's own strand.
class UdpDevice : public std::enable_shared_from_this<UdpDevice> {
 public:
  /// A device of `plan` that will send to `server`, sharing `context` with the other devices.
  UdpDevice(net::asio::io_context& io, DevicePlan plan, std::shared_ptr<DeviceContext> context,
            net::udp::endpoint server);

  /// Opens the socket and sends the first message after a random delay within one interval.
  /// Errors opening the socket are logged; the device then retries with backoff.
  void start();
  /// Closes the socket and cancels everything; the device does nothing afterwards.
  void stop();

  /// What this device is.
  const DevicePlan& plan() const { return plan_; }

 private:
  enum class Awaiting { nothing, hello, reading };

  bool open_socket();
  void receive_next();
  void on_datagram(std::string_view text);
  void schedule_send(std::chrono::milliseconds delay);
  void send_next();
  void send_datagram(std::string text);
  void on_reply_timeout();
  std::chrono::milliseconds jittered_interval();

  net::asio::strand<net::asio::io_context::executor_type> strand_;
  net::udp::socket socket_;
  net::asio::steady_timer tick_timer_;
  net::asio::steady_timer reply_timer_;
  uint64_t tick_seq_ = 0;
  uint64_t reply_seq_ = 0;
  DevicePlan plan_;
  std::shared_ptr<DeviceContext> context_;
  net::udp::endpoint server_;
  std::unique_ptr<DeviceModel> model_;
  SimRandom random_;
  Backoff backoff_;
  std::array<char, 1024> receive_buffer_{};
  bool stopped_ = false;
  bool started_ = false;
  bool receiving_ = false;
  bool sending_ = false;
  bool named_ = false;  // the server acknowledged (or, fire-and-forget, was sent) our HELLO
  int since_hello_ = 0;
  bool refusal_logged_ = false;  // a refused HELLO was logged as a warning
  Awaiting awaiting_ = Awaiting::nothing;
};

}  // namespace soket::simulator
