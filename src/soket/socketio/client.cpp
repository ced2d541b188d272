#include "soket/socketio/client.hpp"

#include <boost/asio/post.hpp>

#include "soket/http/target.hpp"
#include "soket/socketio/namespace.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"
#include "soket/util/log.hpp"

namespace soket::socketio {

Client::Client(Server& server, std::shared_ptr<engineio::Socket> connection)
    : server_(server), connection_(std::move(connection)) {}

void Client::start() {
  connection_->set_listener(this);
  auto& timer = passing().connect_timer;
  timer =
      std::make_unique<boost::asio::steady_timer>(server_.io(), server_.options().connect_timeout);
  timer->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    if (!self->sockets_.empty()) return;
    log::debug(log::Layer::socketio, "{}: no CONNECT within connectTimeout",
               self->connection_->id());
    ++self->server_.limit_stats_.connect_timeouts;
    self->close("forced close");
  });
  // A Socket.IO v4 client is in the main namespace at once, without sending CONNECT.
  if (legacy_protocol()) connect("/", {});
}

void Client::write(const EncodedPacket& packet) {
  if (closed_) return;
  connection_->send(packet.frames);
}

void Client::write(const Packet& packet) {
  write(server_.encode(packet));
}

void Client::disconnect_all() {
  auto sockets = sockets_;
  for (auto& socket : sockets)
    socket->disconnect(false);
}

void Client::close(std::string_view reason) {
  if (closed_) return;
  connection_->close(reason);  // calls on_close() below
}

void Client::on_message(std::string_view data, bool binary) {
  if (closed_) return;
  std::unique_ptr<Decoder> pending;
  if (passing_ && passing_->awaiting_attachments) {
    pending = std::move(passing_->awaiting_attachments);
    drop_passing_if_done();
  }
  Decoder fresh(DecoderOptions{.parser = server_.options().parser});
  Decoder& decoder = pending ? *pending : fresh;
  auto status = binary ? decoder.add_binary(make_shared_bytes(data)) : decoder.add_text(data);
  switch (status) {
    case Decoder::Status::need_attachment:
      passing().awaiting_attachments =
          pending ? std::move(pending) : std::make_unique<Decoder>(std::move(fresh));
      return;
    case Decoder::Status::error:
      log::debug(log::Layer::socketio, "{}: malformed packet, closing", connection_->id());
      // A malformed packet ends the connection, as the protocol requires; the reference reports
      // it as "forced close" (its "parse error" is for a malformed Engine.IO packet).
      return close("forced close");
    case Decoder::Status::ready:
      return on_packet(decoder.take());
  }
}

void Client::on_packet(Packet packet) {
  if (packet.type == PacketType::connect && legacy_protocol()) return on_legacy_connect(packet);
  auto socket = socket_for(packet.nsp);
  if (socket && packet.type != PacketType::connect && packet.type != PacketType::connect_error) {
    return socket->on_packet(packet);
  }
  if (!socket && packet.type == PacketType::connect && connecting_to(packet.nsp)) {
    // The official client sends CONNECT again when the app calls connect() twice before the
    // answer; one answer comes, for the first.
    log::debug(log::Layer::socketio, "{}: second CONNECT to {} while the first is pending, ignored",
               connection_->id(), packet.nsp);
    return;
  }
  if (socket || packet.type != PacketType::connect) {
    // A packet for a namespace the client has not joined, or a second CONNECT: the reference
    // server treats both as a broken client and closes the connection.
    log::debug(log::Layer::socketio, "{}: packet type {} for namespace {} it is not in, closing",
               connection_->id(), static_cast<int>(packet.type), packet.nsp);
    return close("forced server close");
  }
  boost::json::object auth;
  if (packet.data.is_object()) auth = std::move(packet.data.get_object());
  connect(packet.nsp, std::move(auth));
}

void Client::on_legacy_connect(Packet& packet) {
  // Socket.IO v4 has no auth payload: the CONNECT's namespace carries a query ("/nsp?token=x"),
  // which becomes the auth object, as the reference does.
  auto target = http::parse_target(packet.nsp);
  if (!target) return close("parse error");
  if (socket_for(target->path)) return close("forced close");
  if (connecting_to(target->path)) return;  // see on_packet
  boost::json::object auth;
  for (auto& [name, value] : target->query)
    auth[name] = std::move(value);
  connect(target->path, std::move(auth));
}

void Client::connect(const std::string& name, boost::json::object auth) {
  Namespace* nsp = server_.namespace_for_connect(name, auth);
  if (!nsp) {
    log::debug(log::Layer::socketio, "{}: CONNECT to unknown namespace {}", connection_->id(),
               name);
    Packet error;
    error.type = PacketType::connect_error;
    error.nsp = name;
    boost::json::object payload;
    payload["message"] = "Invalid namespace";
    error.data = std::move(payload);
    return write(error);
  }
  // Cancels the wait. Passing stays for the namespace's connecting entry, which takes it when
  // the CONNECT settles (this client may be gone once add() returns).
  if (passing_) passing_->connect_timer.reset();
  nsp->add(*this, std::move(auth));
}

void Client::on_close(std::string_view reason) {
  if (closed_) return;
  auto self = shared_from_this();
  closed_ = true;
  if (passing_) {
    passing_->connect_timer.reset();
    passing_->awaiting_attachments.reset();
    drop_passing_if_done();
  }
  auto sockets = std::move(sockets_);
  sockets_.clear();
  auto description = close_description(reason);
  for (auto& socket : sockets)
    socket->on_close(reason, description);
  server_.notify([&](ServerObserver& observer) { observer.on_client_closed(*this, reason); });
  server_.remove_client(this);
}

boost::json::value Client::close_description(std::string_view reason) const {
  const std::string& what = connection_->close_description();
  if (what.empty()) return nullptr;
  boost::json::object description;
  if (reason == "transport error") description["type"] = "TransportError";
  description["message"] = what;
  return description;
}

void Client::add_socket(std::shared_ptr<Socket> socket) {
  sockets_.push_back(std::move(socket));
}

void Client::remove_socket(const Socket& socket) {
  sockets_.erase(std::remove_if(sockets_.begin(), sockets_.end(),
                                [&](const auto& entry) { return entry.get() == &socket; }),
                 sockets_.end());
}

void Client::add_connecting(const std::string& nsp) {
  passing().connecting.push_back(nsp);
}

void Client::remove_connecting(std::string_view nsp) {
  if (!passing_) return;
  std::erase(passing_->connecting, nsp);
  drop_passing_if_done();
}

std::shared_ptr<Socket> Client::socket_for(std::string_view nsp) const {
  for (const auto& socket : sockets_)
    if (socket->nsp().name() == nsp) return socket;
  return nullptr;
}

}  // namespace soket::socketio
