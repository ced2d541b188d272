#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "soket/gateway/device_message.hpp"
#include "soket/net/asio.hpp"

namespace soket::gateway {

/// Settings of the UDP device receiver.
struct UdpReceiverOptions {
  /// Whether replies are sent at all (an `OK` from the owner, `ERR <reason>` for bad datagrams).
  bool replies = true;
  /// Longest datagram accepted, in bytes, without a trailing line ending.
  std::size_t max_message_length = 4096;
  /// Replies waiting to be sent; beyond this, further replies are dropped (UDP is lossy anyway).
  std::size_t max_pending_replies = 1024;
  /// Datagrams one sender (address and port) may send per second: a token bucket that lets
  /// `line_burst` through at once, then `lines_per_second` (as LineOptions for a TCP connection).
  /// 0 = no limit (then it costs one branch per datagram). A datagram over it is dropped (not
  /// passed on) and the sender gets "ERR rate limit", at most once a second (UdpSenderLimiter).
  double lines_per_second = 0;
  double line_burst = 0;  ///< below 1: lines_per_second
  /// The most senders whose rate is remembered at once (memory stays bounded whatever their
  /// number); while all of them are still limited, a new sender is treated as over the rate.
  std::size_t max_rate_limited_senders = 65536;
};

/// Sends one line (with "\n" appended) back to the sender of a datagram. Copyable; may be kept and
/// called later (e.g. after the message is stored), even after the receiver is gone. Returns true
/// when the reply was queued; false when replies are disabled, the receiver is stopped, the text
/// contains "\r" or "\n", or too many replies are pending.
using UdpReplyFn = std::function<bool(std::string_view line)>;

/// Receives device messages over UDP (protocol only): one datagram is one message, parsed with
/// parse_device_message() after removing one trailing "\n" or "\r\n". A malformed or over-long
/// datagram gets "ERR <reason>\n" back (when replies are on) and on_error; a valid one goes to
/// on_datagram with a reply function. Blank datagrams are ignored. With
/// UdpReceiverOptions::lines_per_second, a datagram over a sender's rate is dropped before it is
/// parsed (on_error with "rate limit"; "ERR rate limit\n" back at most once a second).
///
/// Single-threaded: construct, call and destroy it on the io_context's thread.
class UdpReceiver {
 public:
  /// What the receiver tells its owner (the hub).
  struct Handlers {
    /// A valid message arrived from `sender`; `reply` answers it, now or later.
    std::function<void(const net::udp::endpoint& sender, const DeviceMessage& message,
                       const UdpReplyFn& reply)>
        on_datagram;
    /// Optional: a datagram was refused for `reason`.
    std::function<void(const net::udp::endpoint& sender, std::string_view reason)> on_error;
  };

  /// What the receiver did, since it started.
  struct Stats {
    uint64_t datagrams = 0;        ///< valid messages passed to on_datagram
    uint64_t errors = 0;           ///< datagrams refused (over_rate included)
    uint64_t over_rate = 0;        ///< datagrams dropped: over lines_per_second of their sender
    uint64_t replies_sent = 0;     ///< replies handed to the socket
    uint64_t replies_dropped = 0;  ///< replies dropped: too many pending, or a send error
  };

  /// A receiver on `io`; nothing is bound before bind().
  UdpReceiver(net::asio::io_context& io, UdpReceiverOptions options, Handlers handlers);
  /// Stops; handlers are not called any more.
  ~UdpReceiver();
  UdpReceiver(const UdpReceiver&) = delete;
  UdpReceiver& operator=(const UdpReceiver&) = delete;

  /// Opens and binds the socket; throws boost::system::system_error on failure.
  void bind(const net::udp::endpoint& endpoint);
  /// Starts receiving datagrams.
  void start();
  /// Closes the socket: nothing more is received and replies are refused.
  void stop();

  /// The bound address and port.
  net::udp::endpoint local_endpoint() const;
  /// The bound port (useful after binding port 0).
  uint16_t port() const { return local_endpoint().port(); }
  /// The counters, now.
  Stats stats() const;
  /// Sends one line (with "\n") to `to` from the receiving socket (a command to a device that
  /// listens on the port it sends from). Same rules as UdpReplyFn.
  bool send_line(const net::udp::endpoint& to, std::string_view line);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace soket::gateway
