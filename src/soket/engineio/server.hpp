#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "soket/engineio/options.hpp"
#include "soket/engineio/socket.hpp"
#include "soket/http/server.hpp"
#include "soket/http/target.hpp"

namespace soket::engineio {

/// The Engine.IO v4 server (and v3 when options().allow_eio3): handshakes, sessions by sid,
/// long-polling and WebSocket transports, and the upgrade between them. Lives on one io_context;
/// keep it alive while its HTTP server is.
class Server {
 public:
  using ConnectionHandler = std::function<void(const std::shared_ptr<Socket>&)>;

  Server(net::asio::io_context& io, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Serves Engine.IO on `http` at options().path.
  void attach(http::Server& http);

  /// Handles one HTTP request for the Engine.IO path (also usable without attach()).
  void handle(const http::ExchangePtr& exchange);

  void on_connection(ConnectionHandler handler) { on_connection_ = std::move(handler); }

  /// Closes every session.
  void close(std::string_view reason = "server shutting down");

  const ServerOptions& options() const { return options_; }
  net::asio::io_context& io() { return io_; }
  std::size_t client_count() const { return sessions_.size(); }

 private:
  friend class Socket;

  void open_session(const http::ExchangePtr& exchange, bool websocket, const http::Target& target,
                    int protocol);
  void accept_websocket(const http::ExchangePtr& exchange,
                        std::function<void(std::shared_ptr<WebSocketTransport>)> then);
  std::string open_packet(const std::string& sid, bool websocket) const;
  Handshake make_handshake(const http::Exchange& exchange, const http::Target& target) const;
  void remove(const std::string& id);
  void respond(const http::ExchangePtr& exchange, http::Response response) const;

  net::asio::io_context& io_;
  ServerOptions options_;
  ConnectionHandler on_connection_;
  std::unordered_map<std::string, std::shared_ptr<Socket>> sessions_;
};

}  // namespace soket::engineio
