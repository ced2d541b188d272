#pragma once

#include <boost/asio/ssl/stream.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "soket/gateway/line_framer.hpp"
#include "soket/net/asio.hpp"
#include "soket/net/tls.hpp"
#include "soket/util/bytes.hpp"
#include "soket/util/token_bucket.hpp"

namespace soket::gateway {

/// TCP keep-alive, so a peer that vanished (power cut, Wi-Fi gone) is noticed even when neither
/// side sends anything, and TCP_USER_TIMEOUT, so it is noticed as well while written bytes wait
/// for its ACK (keep-alive does not probe then). Linux-specific timings; other systems use their
/// defaults. The defaults drop a silent dead peer after 10 + 3 x 5 = 25 s.
struct KeepAliveOptions {
  bool enabled = true;               ///< false: no keep-alive, no TCP_USER_TIMEOUT
  std::chrono::seconds idle{10};     ///< quiet time before the first probe
  std::chrono::seconds interval{5};  ///< time between probes
  int probes = 3;                    ///< unanswered probes before the connection is dropped
  /// Unacknowledged written bytes older than this drop the connection; zero: idle + interval x
  /// probes, the same bound as keep-alive.
  std::chrono::milliseconds user_timeout{0};

  /// Options that notice a dead peer within `bound` (at least 4 s): three probes at a fifth of it,
  /// the first after the rest. Zero turns keep-alive off.
  static KeepAliveOptions within(std::chrono::seconds bound);
  /// The bound these options give: idle + interval x probes.
  std::chrono::seconds bound() const { return idle + interval * probes; }
};

/// Settings shared by the line-based TCP servers (devices, chat).
struct LineOptions {
  /// A message without a newline ends when no further byte arrives for this long.
  std::chrono::milliseconds idle_gap{20};
  /// Longest message, in bytes, without its line ending.
  std::size_t max_line_length = 4096;
  /// Bytes waiting to be written; a peer that lets more pile up is disconnected.
  std::size_t max_write_queue_bytes = 256 * 1024;
  /// Close a connection from which nothing is heard for this long: no byte and not even a TCP
  /// acknowledgement (of written bytes or of a keep-alive probe). A peer that only listens stays
  /// as long as its TCP stack answers keep-alive probes, so this should be longer than
  /// KeepAliveOptions::idle. Zero disables it.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  /// After the peer closes its sending side, how long replies (e.g. `OK`) may still be written.
  std::chrono::milliseconds eof_grace{1000};
  /// How long close() waits for queued bytes to be written before dropping the connection.
  std::chrono::milliseconds close_linger{5000};
  /// How a dead peer is noticed (TCP keep-alive, TCP_USER_TIMEOUT).
  KeepAliveOptions keep_alive;
  /// Messages a peer may send per second: a token bucket that lets `line_burst` through at once,
  /// then `lines_per_second`. 0 = no limit (then it costs one branch per message). A message over
  /// it is not delivered: the owner hears on_line_over_rate() instead.
  double lines_per_second = 0;
  double line_burst = 0;  ///< below 1: lines_per_second
};

/// Why a line connection ended.
enum class CloseReason {
  peer_closed,     ///< the peer closed the connection
  idle_timeout,    ///< nothing heard (data or TCP ack) for LineOptions::idle_timeout
  write_overflow,  ///< the peer read too slowly: the write queue passed its limit
  closed,          ///< close() was called (by the server or its owner)
  server_stopped,  ///< the server was stopped
  io_error,        ///< a network error (reset, unreachable, keep-alive timeout, ...)
};

/// The reason in words, for logs: "closed by peer", "idle timeout", ...
std::string_view to_string(CloseReason reason);

/// One TCP connection carrying messages framed by LineFramer, with a bounded write queue, an idle
/// timeout and keep-alive. All methods must be called on the io_context's thread. The object stays
/// valid (and safe to call) after the connection ended; sends then return false.
class LineConnection : public std::enable_shared_from_this<LineConnection> {
 public:
  /// Receives the connection's events; implemented by the server that owns the connection.
  class Owner {
   public:
    /// The connection can carry lines: at once for TCP, after the handshake for TLS. A TLS
    /// connection whose handshake fails is closed without this.
    virtual void on_ready(LineConnection& conn) = 0;
    /// A message arrived, without its line ending; `end` says how it ended.
    virtual void on_line(LineConnection& conn, std::string_view text, LineEnd end) = 0;
    /// A message over LineOptions::max_line_length was skipped.
    virtual void on_line_too_long(LineConnection& conn) = 0;
    /// A message over LineOptions::lines_per_second, dropped.
    virtual void on_line_over_rate(LineConnection& conn) = 0;
    /// The connection ended; called once, last.
    virtual void on_closed(LineConnection& conn, CloseReason reason) = 0;

   protected:
    ~Owner() = default;
  };

  /// With `tls` the connection speaks TLS with that certificate (a client that sends plain text
  /// instead gets "ERR this port speaks TLS" and is closed).
  LineConnection(net::TcpSocket socket, uint64_t id, const LineOptions& options,
                 std::shared_ptr<net::ssl::context> tls = nullptr);

  /// Starts reading and the timers. `owner` must outlive the connection or call detach() first.
  void start(Owner* owner);
  /// Forgets the owner: no more events are delivered.
  void detach() { owner_ = nullptr; }

  /// A number unique within the process, assigned at accept (1, 2, 3, ...).
  uint64_t id() const { return id_; }
  /// The peer's address and port, as seen at accept.
  const net::tcp::endpoint& remote() const { return remote_; }
  /// "address:port" of the peer.
  std::string remote_string() const;
  /// False once the connection ended or close() was called.
  bool is_open() const { return state_ == State::open; }
  /// Owner::on_ready was called (a TLS handshake completed, or plain TCP).
  bool is_ready() const { return ready_; }
  /// Whether the connection speaks TLS.
  bool is_tls() const { return tls_ != nullptr; }

  /// Queues `text` followed by "\n". Returns false (and sends nothing) when the connection is not
  /// open, when `text` contains "\r" or "\n" (a message is one line), or when the write queue
  /// overflowed (the connection is then dropped with CloseReason::write_overflow).
  bool send_line(std::string_view text);
  /// Queues bytes exactly as given (a broadcast encodes them once for all receivers; they are
  /// copied into this connection's output buffer). Same failure rules as send_line, except that
  /// any bytes are allowed.
  bool send_bytes(SharedBytes bytes);

  /// Graceful close: stops delivering messages, writes what is queued (for at most
  /// LineOptions::close_linger), then closes. on_closed reports CloseReason::closed.
  void close();
  /// Drops the connection now, discarding queued bytes.
  void abort(CloseReason reason);

 private:
  enum class State { open, closing, ended };

  void apply_keep_alive();
  void become_ready();
  void read_client_hello();
  void on_client_hello(net::error_code ec, std::size_t n);
  void refuse_plain_text();
  void read_next();
  void on_read(net::error_code ec, std::size_t n);
  void feed(std::string_view data);
  bool deliver(std::string_view text, LineEnd end);
  void arm_gap_timer();
  void arm_idle_timer();
  /// When the peer was last heard from: the last byte received or, later, the last TCP
  /// acknowledgement its stack sent (keep-alive answers count; Linux TCP_INFO).
  std::chrono::steady_clock::time_point last_heard() const;
  void arm_linger_timer(std::chrono::milliseconds delay, bool then_close);
  void begin_close(CloseReason reason);
  bool queue(std::string_view a, std::string_view b);
  void write_next();
  void finish_close_if_drained();
  void finish(CloseReason reason);

  net::TcpSocket socket_;
  std::shared_ptr<net::ssl::context> tls_context_;
  std::unique_ptr<net::ssl::stream<net::TcpSocket&>> tls_;  // over socket_; only for TLS
  bool ready_ = false;
  uint64_t id_;
  LineOptions options_;
  net::tcp::endpoint remote_;
  Owner* owner_ = nullptr;
  LineFramer framer_;
  TokenBucket line_rate_;
  State state_ = State::open;
  bool peer_eof_ = false;
  CloseReason close_reason_ = CloseReason::closed;

  std::array<char, 4096> read_buffer_{};
  net::asio::steady_timer gap_timer_;
  uint64_t gap_generation_ = 0;
  net::asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_receive_;
  net::asio::steady_timer linger_timer_;
  uint64_t linger_generation_ = 0;

  // Bytes queued during a turn of the loop are copied into one buffer and leave in one write at
  // the end of the turn (a device's pipelined readings get their OKs in one syscall).
  std::string out_;      // queued, not yet being written
  std::string writing_;  // the write in flight
  bool writing_now_ = false;
  bool flush_posted_ = false;
};

}  // namespace soket::gateway
