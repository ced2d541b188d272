#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "soket/gateway/line_connection.hpp"
#include "soket/net/asio.hpp"
#include "soket/net/connection_limiter.hpp"
#include "soket/net/tcp_listener.hpp"

namespace soket::gateway {

/// Shared ownership of a line connection.
using LineConnectionPtr = std::shared_ptr<LineConnection>;

/// The accept loop and connection table shared by DeviceServer and ChatServer: accepts through
/// net::TcpListener, numbers connections, refuses them beyond a limit, and forwards each
/// connection's events to `Events`. Single-threaded: everything runs on the given io_context.
class LineServer : private LineConnection::Owner {
 public:
  /// What the line server tells its owner (DeviceServer, ChatServer); called on the io thread.
  class Events {
   public:
    /// A connection is ready (accepted, TLS handshake done) and in the table.
    virtual void on_open(const LineConnectionPtr& conn) = 0;
    /// A message arrived, without its line ending; `end` says how it ended.
    virtual void on_line(const LineConnectionPtr& conn, std::string_view text, LineEnd end) = 0;
    /// A message over LineOptions::max_line_length was skipped.
    virtual void on_line_too_long(const LineConnectionPtr& conn) = 0;
    /// A message over LineOptions::lines_per_second was dropped.
    virtual void on_line_over_rate(const LineConnectionPtr& conn) = 0;
    /// The connection has already left the table.
    virtual void on_close(const LineConnectionPtr& conn, CloseReason reason) = 0;

   protected:
    ~Events() = default;
  };

  /// `refusal` is written to a connection accepted beyond `limits` (in all, or from its address)
  /// before closing it; `name` is the listener's name in the log ("devices", "chat").
  LineServer(net::asio::io_context& io, const LineOptions& options, net::ConnectionLimits limits,
             std::string refusal, std::string name, Events& events);
  /// Stops listening and drops every connection without reporting events.
  ~LineServer();
  LineServer(const LineServer&) = delete;
  LineServer& operator=(const LineServer&) = delete;

  /// Binds and listens; throws boost::system::system_error when the endpoint cannot be bound.
  /// With `tls` every connection speaks TLS, with the certificate `tls` holds when it is accepted.
  void listen(const net::tcp::endpoint& endpoint, net::TlsContextPtr tls = nullptr);
  /// Starts accepting connections.
  void start();
  /// Stops accepting and drops every connection (on_close with CloseReason::server_stopped).
  void stop();

  /// The bound address and port.
  net::tcp::endpoint local_endpoint() const;
  /// How many connections are open.
  std::size_t connection_count() const { return connections_.size(); }
  /// The open connection with this id, or null.
  LineConnectionPtr find(uint64_t id) const;
  /// Calls `f` for each open connection, in id order. `f` must not close connections.
  void for_each(const std::function<void(const LineConnectionPtr&)>& f) const;
  /// Connections accepted and kept since the start (refused ones are not counted).
  uint64_t accepted_count() const { return accepted_; }
  /// Connections refused by the limits since the start, in all and per address together.
  uint64_t refused_count() const {
    auto s = limiter_.stats();
    return s.refused_total + s.refused_per_address;
  }
  /// Connections refused by the limits, by limit.
  net::ConnectionLimiter::Stats refused_stats() const { return limiter_.stats(); }
  /// Connections closed by LineOptions::idle_timeout.
  uint64_t idle_timeout_count() const { return idle_timeouts_; }

 private:
  void accept(net::TcpSocket socket);
  void on_ready(LineConnection& conn) override;
  void on_line(LineConnection& conn, std::string_view text, LineEnd end) override;
  void on_line_too_long(LineConnection& conn) override;
  void on_line_over_rate(LineConnection& conn) override;
  void on_closed(LineConnection& conn, CloseReason reason) override;

  LineOptions options_;
  net::ConnectionLimiter limiter_;
  std::string refusal_;
  Events& events_;
  std::shared_ptr<net::TcpListener> listener_;
  net::TlsContextPtr tls_;
  std::map<uint64_t, LineConnectionPtr> connections_;
  std::unordered_map<uint64_t, net::ConnectionLimiter::Lease> leases_;  // with limits only
  uint64_t next_id_ = 1;
  uint64_t accepted_ = 0;
  uint64_t idle_timeouts_ = 0;
};

}  // namespace soket::gateway
