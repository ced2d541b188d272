#include "soket/gateway/line_server.hpp"

#include <vector>

#include "soket/util/log.hpp"

namespace soket::gateway {

LineServer::LineServer(net::asio::io_context& io, const LineOptions& options,
                       net::ConnectionLimits limits, std::string refusal, std::string name,
                       Events& events)
    : options_(options),
      limiter_(std::move(name), limits),
      refusal_(std::move(refusal)),
      events_(events),
      listener_(std::make_shared<net::TcpListener>(
          io, [this](net::TcpSocket socket) { accept(std::move(socket)); })) {}

LineServer::~LineServer() {
  listener_->stop();
  auto connections = std::move(connections_);
  for (auto& [id, conn] : connections) {
    conn->detach();
    conn->abort(CloseReason::server_stopped);
  }
}

void LineServer::listen(const net::tcp::endpoint& endpoint, net::TlsContextPtr tls) {
  tls_ = std::move(tls);
  listener_->listen(endpoint);
}

void LineServer::start() {
  listener_->start();
}

void LineServer::stop() {
  listener_->stop();
  // Copy first: each abort reports on_close, which erases from the table.
  std::vector<LineConnectionPtr> connections;
  for (auto& [id, conn] : connections_)
    connections.push_back(conn);
  for (auto& conn : connections)
    conn->abort(CloseReason::server_stopped);
}

net::tcp::endpoint LineServer::local_endpoint() const {
  return listener_->local_endpoint();
}

LineConnectionPtr LineServer::find(uint64_t id) const {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second;
}

void LineServer::for_each(const std::function<void(const LineConnectionPtr&)>& f) const {
  for (const auto& [id, conn] : connections_)
    f(conn);
}

void LineServer::accept(net::TcpSocket socket) {
  net::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // gone already
  auto admission = limiter_.admit(remote.address());
  if (!admission) {
    // A fresh socket's send buffer is empty: this short non-blocking write does not wait.
    net::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(net::asio::buffer(refusal_), ignored);
    socket.shutdown(net::tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
    return;
  }
  ++accepted_;
  auto conn = std::make_shared<LineConnection>(std::move(socket), next_id_++, options_,
                                               tls_ ? tls_->current() : nullptr);
  connections_.emplace(conn->id(), conn);
  if (admission.lease) leases_.emplace(conn->id(), std::move(admission.lease));
  conn->start(this);  // on_ready: at once, or once the TLS handshake is done
}

void LineServer::on_ready(LineConnection& conn) {
  events_.on_open(conn.shared_from_this());
}

void LineServer::on_line(LineConnection& conn, std::string_view text, LineEnd end) {
  events_.on_line(conn.shared_from_this(), text, end);
}

void LineServer::on_line_too_long(LineConnection& conn) {
  events_.on_line_too_long(conn.shared_from_this());
}

void LineServer::on_line_over_rate(LineConnection& conn) {
  events_.on_line_over_rate(conn.shared_from_this());
}

void LineServer::on_closed(LineConnection& conn, CloseReason reason) {
  auto self = conn.shared_from_this();
  connections_.erase(conn.id());
  leases_.erase(conn.id());
  if (reason == CloseReason::idle_timeout) ++idle_timeouts_;
  if (conn.is_ready()) events_.on_close(self, reason);  // one that never opened closes unseen
}

}  // namespace soket::gateway
