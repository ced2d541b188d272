#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "soket/http/router.hpp"
#include "soket/net/connection_limiter.hpp"
#include "soket/net/tcp_listener.hpp"
#include "soket/net/tls.hpp"
#include "soket/util/log_throttle.hpp"

namespace soket::http {

/// Where a connection adopted from another HTTP server goes back: the stream, the request that
/// none of this server's routes serves, and the bytes already read after it.
using HandBack =
    std::function<void(beast::tcp_stream stream, Request request, beast::flat_buffer buffer)>;

/// Settings of an HTTP server.
struct ServerOptions {
  /// Bytes of the request line and headers together (Node's maxHeaderSize): 431 beyond.
  std::size_t header_limit = 16 * 1024;
  /// Header fields in one request: 431 beyond.
  std::size_t max_header_count = 100;
  /// Bytes of the request target (path and query): 414 beyond.
  std::size_t max_url_length = 8 * 1024;
  /// Largest request body accepted (bytes); larger gets 413.
  std::size_t body_limit = 1024 * 1024;
  /// To receive the request line and every header, from the end of the previous answer on a
  /// kept-alive connection (so it also bounds an idle keep-alive connection). A client that sent
  /// part of its headers by then is dropped (slowloris); 0: request_timeout.
  std::chrono::milliseconds header_timeout{10000};
  /// To receive the whole request (headers and body).
  std::chrono::milliseconds request_timeout{30000};
  /// Open connections at once, in all and per client address (a WebSocket counts until it
  /// closes); 0 = no limit. Past a limit a connection is accepted and closed at once.
  net::ConnectionLimits connection_limits;
  /// A connection refused by connection_limits first gets a 503 with a JSON body
  /// {"code":3,"message":"Too many connections"} (plain HTTP ports only).
  bool refuse_with_503 = true;
  /// The Server header of every response.
  std::string server_name = "soket";
};

/// What the limits of ServerOptions turned away, since the server started.
struct LimitStats {
  uint64_t refused_total = 0;        ///< connections refused: connection_limits.max_total
  uint64_t refused_per_address = 0;  ///< connections refused: connection_limits.max_per_address
  uint64_t header_timeouts = 0;      ///< dropped with part of their headers sent (header_timeout)
  uint64_t headers_too_large = 0;    ///< 431: header_limit or max_header_count
  uint64_t url_too_long = 0;         ///< 414: max_url_length
  uint64_t body_too_large = 0;       ///< 413: body_limit
};

/// The HTTP/1.1 server: accepts connections on any number of endpoints and routes requests.
/// Runs on one io_context; its handlers are called on that context's thread.
class Connection;

/// An HTTP/1.1 server (and WebSocket upgrades) on one io_context, with a router; Socket.IO attaches
/// to it.
class Server : public std::enable_shared_from_this<Server> {
 public:
  /// A server on `io`; call listen() to open a port.
  static std::shared_ptr<Server> create(net::asio::io_context& io, ServerOptions options = {});

  /// The routes: path -> handler.
  Router& router() { return router_; }
  /// The options it was made with.
  const ServerOptions& options() const { return options_; }
  /// The io_context it runs on.
  net::asio::io_context& io() { return io_; }

  /// Raises the body limit to at least `limit` (a layer such as Engine.IO needs room for its
  /// maximum payload).
  void ensure_body_limit(std::size_t limit);

  /// The options, to change before listen() (the limits of an example's command line, say).
  ServerOptions& options_to_change() { return options_; }

  /// Binds and starts accepting; returns the bound endpoint. Throws on bind failure. With `tls`
  /// this port speaks only TLS (https://, wss://), each new connection with the certificate `tls`
  /// holds at that moment; a client speaking plain HTTP to it gets a 400 that says so.
  net::tcp::endpoint listen(const net::tcp::endpoint& endpoint,
                            const net::ListenOptions& options = {},
                            net::TlsContextPtr tls = nullptr);

  /// Serves a connection that another HTTP server accepted and read `request` from (a Boost.Beast
  /// application that keeps its own routes on the same port): `request` goes to this server's
  /// router (Engine.IO's path, say), then the connection is read on by this server (keep-alive,
  /// long-polling, a WebSocket upgrade). `buffer` holds what was read past `request`. A later
  /// request on it that no route of this server serves goes back through `hand_back` (without
  /// one: a 404). The stream must run on this server's io_context.
  void adopt(beast::tcp_stream stream, Request request, beast::flat_buffer buffer = {},
             HandBack hand_back = {});

  /// Stops accepting and closes every open connection.
  void stop();

  /// Connections open now (a WebSocket counts until it closes).
  std::size_t connection_count() const { return connections_.size(); }
  /// Connections counted by connection_limits: HTTP connections and the WebSockets taken out of
  /// them (only while a limit is set).
  std::size_t limited_connection_count() const { return limiter_.open(); }
  /// What the connection and size limits refused so far.
  LimitStats limit_stats() const;

 private:
  template <class Stream>
  friend class BasicConnection;
  Server(net::asio::io_context& io, ServerOptions options);
  /// Applies connection_limits to a new connection: its lease, or nothing (refused and closed).
  std::optional<net::ConnectionLimiter::Lease> admit(net::TcpSocket& socket, bool tls);

  net::asio::io_context& io_;
  ServerOptions options_;
  Router router_;
  std::vector<std::shared_ptr<net::TcpListener>> listeners_;
  std::unordered_set<Connection*> connections_;
  net::ConnectionLimiter limiter_{"HTTP"};
  LimitStats stats_;  // the connection counts come from limiter_
  LogThrottle header_timeout_log_;
};

}  // namespace soket::http
