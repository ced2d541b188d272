#pragma once

#include <functional>
#include <memory>

#include "soket/net/asio.hpp"

namespace soket::net {

struct ListenOptions {
  int backlog = asio::socket_base::max_listen_connections;
  /// SO_REUSEPORT: several listeners (one per io thread) bind the same endpoint and the kernel
  /// spreads incoming connections over them.
  bool reuse_port = false;
};

/// Accepts TCP connections on one endpoint and hands each socket to `on_accept`. Survives running
/// out of file descriptors (pauses accepting briefly instead of spinning or dying).
class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  using AcceptHandler = std::function<void(tcp::socket)>;

  TcpListener(asio::io_context& io, AcceptHandler on_accept);

  /// Binds and listens; throws boost::system::system_error when the endpoint cannot be bound.
  void listen(const tcp::endpoint& endpoint, const ListenOptions& options = {});
  void start();
  void stop();
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
