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
  net::TcpListener::AcceptHandler accept;
  if (tls) {
    accept = [weak = weak_from_this(), tls](net::tcp::socket socket) {
      if (auto self = weak.lock())
        std::make_shared<TlsConnection>(std::move(socket), self, tls->current())->start();
    };
  } else {
    accept = [weak = weak_from_this()](net::tcp::socket socket) {
      if (auto self = weak.lock())
        std::make_shared<PlainConnection>(std::move(socket), self)->start();
    };
  }
  auto listener = std::make_shared<net::TcpListener>(io_, std::move(accept));
  listener->listen(endpoint, options);
  listener->start();
  listeners_.push_back(listener);
  return listener->local_endpoint();
}

void Server::adopt(beast::tcp_stream stream, Request request, beast::flat_buffer buffer,
                   HandBack hand_back) {
  auto connection = std::make_shared<PlainConnection>(std::move(stream), std::move(buffer),
                                                      shared_from_this(), std::move(hand_back));
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
