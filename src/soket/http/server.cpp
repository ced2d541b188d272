#include "soket/http/server.hpp"

#include "soket/http/connection.hpp"

namespace soket::http {

std::shared_ptr<Server> Server::create(net::asio::io_context& io, ServerOptions options) {
  return std::shared_ptr<Server>(new Server(io, std::move(options)));
}

Server::Server(net::asio::io_context& io, ServerOptions options)
    : io_(io), options_(std::move(options)) {}

void Server::ensure_body_limit(std::size_t limit) {
  if (limit > options_.body_limit) options_.body_limit = limit;
}

net::tcp::endpoint Server::listen(const net::tcp::endpoint& endpoint,
                                  const net::ListenOptions& options, net::TlsContextPtr tls) {
  // The kind of connection is chosen once per port: a plain port never touches TLS code.
  limiter_.set_limits(options_.connection_limits);
  net::TcpListener::AcceptHandler accept;
  if (tls) {
    accept = [weak = weak_from_this(), tls](net::TcpSocket socket) {
      auto self = weak.lock();
      if (!self) return;
      auto lease = self->admit(socket, true);
      if (!lease) return;
      auto connection = std::make_shared<TlsConnection>(std::move(socket), self, tls->current());
      connection->hold(std::move(*lease));
      connection->start();
    };
  } else {
    accept = [weak = weak_from_this()](net::TcpSocket socket) {
      auto self = weak.lock();
      if (!self) return;
      auto lease = self->admit(socket, false);
      if (!lease) return;
      auto connection = std::make_shared<PlainConnection>(std::move(socket), self);
      connection->hold(std::move(*lease));
      connection->start();
    };
  }
  auto listener = std::make_shared<net::TcpListener>(io_, std::move(accept));
  listener->listen(endpoint, options);
  listener->start();
  listeners_.push_back(listener);
  return listener->local_endpoint();
}

std::optional<net::ConnectionLimiter::Lease> Server::admit(net::TcpSocket& socket, bool tls) {
  if (!options_.connection_limits.any()) return net::ConnectionLimiter::Lease{};
  net::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) {
    socket.close(ec);
    return std::nullopt;
  }
  auto admission = limiter_.admit(remote.address());
  if (admission) return std::move(admission.lease);
  if (options_.refuse_with_503 && !tls) {
    // A fresh socket's send buffer is empty: this short non-blocking write does not wait.
    std::string_view message =
        admission.refusal == net::Refusal::total
            ? R"({"code":3,"message":"Too many connections"})"
            : R"({"code":3,"message":"Too many connections from this address"})";
    std::string answer =
        "HTTP/1.1 503 Service Unavailable\r\nServer: " + options_.server_name +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(message.size()) +
        "\r\nRetry-After: 10\r\nConnection: close\r\n\r\n" + std::string(message);
    socket.non_blocking(true, ec);
    socket.write_some(net::asio::buffer(answer), ec);
    socket.shutdown(net::tcp::socket::shutdown_send, ec);
  }
  socket.close(ec);
  return std::nullopt;
}

LimitStats Server::limit_stats() const {
  LimitStats stats = stats_;
  stats.refused_total = limiter_.stats().refused_total;
  stats.refused_per_address = limiter_.stats().refused_per_address;
  return stats;
}

namespace {

// A socket moved to another executor type keeps its descriptor. Asio has no such move, so the
// descriptor is released (its epoll registration dropped) and assigned again: two system calls,
// paid only by connections adopted from, or handed back to, an application's Beast server.
template <class To, class From>
To rehome(From& socket, const typename To::executor_type& executor) {
  net::error_code ec;
  auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return To(executor);  // closed already: an unopened socket fails like the closed one
  auto fd = socket.release(ec);
  if (ec) return To(executor);
  return To(executor, protocol, fd);
}

}  // namespace

void Server::adopt(beast::tcp_stream stream, Request request, beast::flat_buffer buffer,
                   HandBack hand_back) {
  PlainStream own(rehome<net::TcpSocket>(stream.socket(), io_.get_executor()));
  PlainConnection::HandBack back;
  if (hand_back) {
    back = [hand_back = std::move(hand_back)](PlainStream s, Request r, beast::flat_buffer b) {
      net::asio::any_io_executor executor = s.socket().get_executor();
      hand_back(beast::tcp_stream(rehome<net::tcp::socket>(s.socket(), executor)), std::move(r),
                std::move(b));
    };
  }
  auto connection = std::make_shared<PlainConnection>(std::move(own), std::move(buffer),
                                                      shared_from_this(), std::move(back));
  connection->start_with(std::move(request));
}

void Server::stop() {
  for (auto& listener : listeners_)
    listener->stop();
  listeners_.clear();
  // close() removes the connection from the set, so iterate over a copy.
  std::vector<std::shared_ptr<Connection>> open;
  for (auto* c : connections_)
    if (auto p = c->weak_from_this().lock()) open.push_back(std::move(p));
  for (auto& c : open)
    c->close();
}

}  // namespace soket::http
