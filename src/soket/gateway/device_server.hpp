#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "soket/gateway/device_message.hpp"
#include "soket/gateway/line_connection.hpp"
#include "soket/gateway/line_server.hpp"
#include "soket/net/asio.hpp"
#include "soket/util/log_throttle.hpp"

namespace soket::gateway {

/// A device's TCP connection. What the hub uses: id(), remote(), remote_string(), is_open(),
/// send_line(text) (appends "\n"), send_bytes(shared) (a broadcast buffer, sent as is), close(),
/// abort(reason). Safe to keep and call after the connection ended (sends return false).
using DeviceConnection = LineConnection;
/// Shared ownership of a device's connection.
using DeviceConnectionPtr = std::shared_ptr<DeviceConnection>;

/// Settings of the TCP device server.
struct DeviceServerOptions {
  /// Framing, write queue, idle timeout (default 5 min), keep-alive.
  LineOptions line;
  /// Connections beyond this, in all or from one address, get "ERR too many connections\n" and
  /// are closed; 0 = no limit.
  std::size_t max_connections = 10000;
  /// Connections at once from one address beyond which new ones are refused; 0 = no limit.
  std::size_t max_connections_per_address = 1000;
};

/// The device line server (protocol only). Per connection: messages framed by newline or idle gap
/// (see LineFramer) are parsed with parse_device_message(). Blank messages are ignored. A malformed
/// message gets "ERR <reason>\n" (and on_error); a valid one goes to on_message and gets no reply
/// from here: the owner answers (e.g. "OK" once the message is stored). A message longer than
/// LineOptions::max_line_length gets "ERR line too long\n", its bytes are skipped up to the next
/// newline or idle gap, and the connection stays usable. A message over
/// LineOptions::lines_per_second gets "ERR rate limit\n" (through on_invalid when set), is dropped,
/// and the connection stays.
///
/// Single-threaded: construct, call and destroy it on the io_context's thread. Handlers are called
/// from that thread and may call any method of the server or of a connection.
class DeviceServer final : private LineServer::Events {
 public:
  /// What the device server tells its owner (the hub).
  struct Handlers {
    /// A connection was accepted (and, with TLS, its handshake done).
    std::function<void(const DeviceConnectionPtr&)> on_open;
    /// A valid message arrived; the owner answers it.
    std::function<void(const DeviceConnectionPtr&, const DeviceMessage&)> on_message;
    /// Optional: after "ERR <reason>" was sent for a malformed or over-long message.
    std::function<void(const DeviceConnectionPtr&, std::string_view reason)> on_error;
    /// Optional: when set, the server does not write "ERR <reason>" itself but calls this, and
    /// the owner sends it (an owner that answers valid messages later, e.g. after a commit, can
    /// so keep every reply in the order of the messages). on_error is then not called.
    std::function<void(const DeviceConnectionPtr&, std::string_view reason)> on_invalid;
    /// Exactly once per connection that had on_open, after it left the table.
    std::function<void(const DeviceConnectionPtr&, CloseReason)> on_close;
  };

  /// What the server and its limits did, since it started.
  struct Stats {
    uint64_t accepted = 0;             ///< connections accepted
    uint64_t refused = 0;              ///< connections refused: max_connections reached
    uint64_t refused_per_address = 0;  ///< refused: max_connections_per_address reached
    uint64_t over_rate = 0;            ///< messages dropped: over lines_per_second
    uint64_t too_long = 0;             ///< messages dropped: over max_line_length
    uint64_t idle_timeouts = 0;        ///< connections closed by idle_timeout
    uint64_t messages = 0;             ///< valid messages passed to on_message
    uint64_t errors = 0;               ///< ERR replies sent
  };

  /// A device server on `io`; nothing is bound before listen().
  DeviceServer(net::asio::io_context& io, DeviceServerOptions options, Handlers handlers);
  /// Closes everything without calling handlers.
  ~DeviceServer() = default;

  /// Binds and listens; throws boost::system::system_error when the endpoint cannot be bound.
  /// With `tls`, devices connect with TLS (e.g. the ESP8266's WiFiClientSecure).
  void listen(const net::tcp::endpoint& endpoint, net::TlsContextPtr tls = nullptr) {
    server_.listen(endpoint, std::move(tls));
  }
  /// Starts accepting connections.
  void start() { server_.start(); }
  /// Stops accepting and drops every connection (on_close with CloseReason::server_stopped).
  void stop() { server_.stop(); }

  /// The bound address and port.
  net::tcp::endpoint local_endpoint() const { return server_.local_endpoint(); }
  /// The bound port (useful after listening on port 0).
  uint16_t port() const { return local_endpoint().port(); }

  /// How many connections are open.
  std::size_t connection_count() const { return server_.connection_count(); }
  /// The open connection numbered `id`, or null.
  DeviceConnectionPtr find(uint64_t id) const { return server_.find(id); }
  /// Calls `f` for each open connection; `f` may send but must not close connections.
  void for_each(const std::function<void(const DeviceConnectionPtr&)>& f) const {
    server_.for_each(f);
  }
  /// The counters, now.
  Stats stats() const;

 private:
  void on_open(const LineConnectionPtr& conn) override;
  void on_line(const LineConnectionPtr& conn, std::string_view text, LineEnd end) override;
  void on_line_too_long(const LineConnectionPtr& conn) override;
  void on_line_over_rate(const LineConnectionPtr& conn) override;
  void on_close(const LineConnectionPtr& conn, CloseReason reason) override;
  void reject(const LineConnectionPtr& conn, std::string_view reason);

  Handlers handlers_;
  uint64_t messages_ = 0;
  uint64_t errors_ = 0;
  uint64_t over_rate_ = 0;
  uint64_t too_long_ = 0;
  double lines_per_second_ = 0;
  LogThrottle rate_log_;
  LineServer server_;  // last: destroyed first, while the handlers still exist
};

}  // namespace soket::gateway
