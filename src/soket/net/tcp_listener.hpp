#pragma once

#include <functional>
#include <memory>

#include "soket/net/asio.hpp"

namespace soket::net {

/// How a TcpListener listens.
struct ListenOptions {
  /// The listen() backlog: connections the kernel queues before they are accepted.
  int backlog = asio::socket_base::max_listen_connections;
  /// SO_REUSEPORT: several listeners (one per io thread) bind the same endpoint and the kernel
  /// spreads incoming connections over them.
  bool reuse_port = false;
};

/// Accepts TCP connections on one endpoint and hands each socket to `on_accept`. Survives running
/// out of file descriptors (pauses accepting briefly instead of spinning or dying).
class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  /// Gets each accepted socket.
  using AcceptHandler = std::function<void(TcpSocket)>;

  /// A listener on `io` that hands each accepted socket to `on_accept`.
  TcpListener(asio::io_context& io, AcceptHandler on_accept);

  /// Binds and listens; throws boost::system::system_error when the endpoint cannot be bound.
  void listen(const tcp::endpoint& endpoint, const ListenOptions& options = {});
  /// Starts accepting (after listen()).
  void start();
  /// Closes the acceptor: no more connections are accepted.
  void stop();
  /// The bound address and port.
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void accept_next();

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  AcceptHandler on_accept_;
  bool stopped_ = false;
};

}  // namespace soket::net
