#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "soket/engineio/hooks.hpp"
#include "soket/engineio/options.hpp"
#include "soket/engineio/request.hpp"
#include "soket/engineio/socket.hpp"
#include "soket/http/server.hpp"
#include "soket/http/target.hpp"
#include "soket/net/deadline_queue.hpp"

namespace soket::engineio {

/// The Engine.IO v4 server (and v3 when options().allow_eio3): handshakes, sessions by sid,
/// long-polling and WebSocket transports, and the upgrade between them. Lives on one io_context;
/// keep it alive while its HTTP server is.
class Server {
 public:
  /// Called with every new Engine.IO connection.
  using ConnectionHandler = std::function<void(const std::shared_ptr<Socket>&)>;

  /// Throws std::invalid_argument for options that cannot work (an unknown or no transport, a
  /// cookie that is not valid).
  Server(net::asio::io_context& io, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Serves Engine.IO on `http` at options().path (and at the path without its trailing slash
  /// when options().add_trailing_slash is false).
  void attach(http::Server& http);

  /// Handles one HTTP request for the Engine.IO path (also usable without attach()).
  void handle(const http::ExchangePtr& exchange);

  /// Sets the handler of new connections.
  void on_connection(ConnectionHandler handler) { on_connection_ = std::move(handler); }

  /// Node's engine.use(): adds a middleware run, in the order added, on every Engine.IO request
  /// (long-polling and WebSocket upgrades) before the engine looks at it.
  void use(Middleware middleware) { middlewares_.push_back(std::move(middleware)); }
  /// Node's initial_headers event: the headers of a handshake response (polling or WebSocket 101).
  void on_initial_headers(HeadersHandler handler) {
    initial_headers_handlers_.push_back(std::move(handler));
  }
  /// Node's headers event: the headers of every successful polling response and WebSocket 101.
  void on_headers(HeadersHandler handler) { headers_handlers_.push_back(std::move(handler)); }
  /// Node's connection_error event: every request the engine refuses (codes 0 to 5).
  void on_connection_error(ConnectionErrorHandler handler) {
    connection_error_handlers_.push_back(std::move(handler));
  }

  /// Closes every session. From then on new handshakes are refused (HTTP 503,
  /// {"code":3,"message":"Server is shutting down"}); requests of closing sessions are served.
  void close(std::string_view reason = "server shutting down");
  /// Whether close() was called.
  bool closed() const { return closed_; }

  /// The options it was made with.
  const ServerOptions& options() const { return options_; }
  /// The io_context it runs on.
  net::asio::io_context& io() { return io_; }
  /// Connections open now.
  std::size_t client_count() const { return sessions_.size(); }

 private:
  friend class Socket;

  // The stages of a request, in order; each may wait for a hook's answer.
  void decide_origin(const http::ExchangePtr& exchange, std::string origin);
  void after_cors(const http::ExchangePtr& exchange);
  void run_middlewares(EngineRequest request, std::size_t index);
  void verify(EngineRequest request);
  void allow_then_open(EngineRequest request, bool websocket, int protocol);
  void open_session(EngineRequest request, bool websocket, int protocol);
  /// The id of a new session, or "" after refusing the request.
  std::string new_session_id(const EngineRequest& request);

  /// Runs `then` on the io thread, in a later turn, after a hook answered, unless the server or the
  /// client is gone by then.
  void resume(const http::ExchangePtr& exchange, std::function<void()> then);
  /// Answers with the error `code` (`status` and `message` when given) and tells
  /// connection_error listeners.
  void refuse(const EngineRequest& request, ErrorCode code, boost::json::object context,
              std::optional<http::Status> status = std::nullopt, std::string_view message = {});
  void run_header_hooks(const EngineRequest& request, http::HeaderList& headers) const;
  bool has_header_hooks() const {
    return !initial_headers_handlers_.empty() || !headers_handlers_.empty();
  }
  void accept_websocket(const EngineRequest& request,
                        std::function<void(std::shared_ptr<WebSocketTransport>)> then);
  std::string open_packet(const std::string& sid, bool websocket) const;
  Handshake make_handshake(const EngineRequest& request) const;
  void remove(const std::string& id);
  /// Sends a response of a session or the engine: CORS headers, and the headers hooks for a
  /// successful one.
  void respond(const http::ExchangePtr& exchange, http::Response response) const;

  net::asio::io_context& io_;
  ServerOptions options_;
  // Every session's heartbeat, on one timer; before sessions_, so it outlives them.
  net::DeadlineQueue heartbeats_{io_};
  bool polling_allowed_ = false;
  bool websocket_allowed_ = false;
  bool closed_ = false;
  ConnectionHandler on_connection_;
  std::vector<Middleware> middlewares_;
  std::vector<HeadersHandler> initial_headers_handlers_;
  std::vector<HeadersHandler> headers_handlers_;
  std::vector<ConnectionErrorHandler> connection_error_handlers_;
  // Keyed by a view of each socket's own id (a session's id never changes): no copy per session.
  // A node map, unlike the Socket.IO side's open-addressing maps: it keeps each id's hash, so
  // growing it relinks nodes, where an open-addressing set of sessions hashed every id again (two
  // pointer hops each) in one stall of milliseconds at 13 440 sessions; that showed in the
  // handshake p99 over 18 000 connections (13 ms against 10) and saved ~35 bytes per session.
  std::unordered_map<std::string_view, std::shared_ptr<Socket>> sessions_;
  // Hooks that answer later hold a weak reference to this: the server may be gone by then.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace soket::engineio
