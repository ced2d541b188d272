#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>

#include "soket/http/router.hpp"
#include "soket/net/tcp_listener.hpp"
#include "soket/net/tls.hpp"

namespace soket::http {

/// Where a connection adopted from another HTTP server goes back: the stream, the request that
/// none of this server's routes serves, and the bytes already read after it.
using HandBack =
    std::function<void(beast::tcp_stream stream, Request request, beast::flat_buffer buffer)>;

struct ServerOptions {
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;
  std::chrono::seconds request_timeout{30};  // to receive one whole request (headers and body)
  std::string server_name = "soket";
};

/// The HTTP/1.1 server: accepts connections on any number of endpoints and routes requests.
/// Runs on one io_context; its handlers are called on that context's thread.
class Connection;

class Server : public std::enable_shared_from_this<Server> {
 public:
  static std::shared_ptr<Server> create(net::asio::io_context& io, ServerOptions options = {});

  Router& router() { return router_; }
  const ServerOptions& options() const { return options_; }
  net::asio::io_context& io() { return io_; }

  /// Raises the body limit to at least `limit` (a layer such as Engine.IO needs room for its
  /// maximum payload).
  void ensure_body_limit(std::size_t limit);

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

  std::size_t connection_count() const { return connections_.size(); }

 private:
  template <class Stream>
  friend class BasicConnection;
  Server(net::asio::io_context& io, ServerOptions options);

  net::asio::io_context& io_;
  ServerOptions options_;
  Router router_;
  std::vector<std::shared_ptr<net::TcpListener>> listeners_;
  std::unordered_set<Connection*> connections_;
};

}  // namespace soket::http
