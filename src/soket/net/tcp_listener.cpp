#include "soket/net/tcp_listener.hpp"

#include <chrono>

#include "soket/util/log.hpp"

namespace soket::net {

TcpListener::TcpListener(asio::io_context& io, AcceptHandler on_accept)
    : io_(io), acceptor_(io), retry_timer_(io), on_accept_(std::move(on_accept)) {}

void TcpListener::listen(const tcp::endpoint& endpoint, const ListenOptions& options) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  if (options.reuse_port)
    acceptor_.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(options.backlog);
}

void TcpListener::start() {
  accept_next();
}

void TcpListener::stop() {
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
}

void TcpListener::accept_next() {
  if (stopped_) return;
  acceptor_.async_accept(io_, [self = shared_from_this()](error_code ec, TcpSocket socket) {
    if (self->stopped_) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // EMFILE/ENFILE and friends: wait a little so the loop does not spin on the same error.
      spdlog::warn("accept failed: {}", ec.message());
      self->retry_timer_.expires_after(std::chrono::milliseconds(50));
      self->retry_timer_.async_wait([self](error_code wait_ec) {
        if (!wait_ec) self->accept_next();
      });
      return;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    self->on_accept_(std::move(socket));
    self->accept_next();
  });
}

}  // namespace soket::net
