#include "soket/socketio/namespace.hpp"

#include "soket/socketio/client.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"
#include "soket/util/log.hpp"

namespace soket::socketio {

Namespace::Namespace(Server& server, std::string name, const AdapterFactory& make_adapter)
    : server_(server), name_(std::move(name)), adapter_(make_adapter(*this)) {}

std::shared_ptr<Socket> Namespace::find(const SocketId& id) const {
  auto it = sockets_.find(id);
  return it == sockets_.end() ? nullptr : it->second;
}

void Namespace::server_side_emit_message(std::string_view event, Message message,
                                         ServerSideAckCallback ack) {
  message.args.insert(message.args.begin(), boost::json::value(event));
  adapter_->server_side_emit(std::move(message), std::move(ack));
}

void Namespace::dispatch_server_side(Message& message, const ServerSideReply& reply) {
  if (message.args.empty() || !message.args.front().is_string()) return;
  std::string event(message.args.front().get_string());
  message.args.erase(message.args.begin());
  for (const auto& [name, registered] : server_side_handlers_) {
    if (name != event) continue;
    auto handler = registered;  // it may register more handlers
    handler(message, reply);
  }
}

void Namespace::remove(const SocketId& id) {
  sockets_.erase(id);
  if (empty()) server_.child_emptied(*this);
}

void Namespace::connect_settled(Client* client) {
  if (client) {
    client->remove_connecting(name_);
  }
  if (--connecting_ == 0 && sockets_.empty()) server_.child_emptied(*this);
}

void Namespace::add(Client& client, boost::json::object auth) {
  ++connecting_;
  client.add_connecting(name_);
  if (!adapter_->recovers_sessions() || client.legacy_protocol())
    return run_middlewares(std::make_shared<Socket>(*this, client, std::move(auth)), 0);
  // The reference client sends the private id it was given, and the offset of the last packet it
  // got if it got one (the reference server needs both; a pid alone is recovered here too, from the
  // session's start). Anything else, or a session that cannot be recovered: a new session.
  auto pid = auth.if_contains("pid");
  auto offset = auth.if_contains("offset");
  if (!pid || !pid->is_string() || (offset && !offset->is_string()))
    return run_middlewares(std::make_shared<Socket>(*this, client, std::move(auth)), 0);
  // Copied before `auth` moves into the callback.
  std::string pid_text(pid->get_string());
  std::optional<std::string> offset_text;
  if (offset) offset_text = std::string(offset->get_string());
  adapter_->restore_session(
      std::move(pid_text), std::move(offset_text),
      [this, alive = std::weak_ptr(alive_), client = client.shared_from_this(),
       auth = std::move(auth)](std::optional<RestoredSession> restored) mutable {
        if (alive.expired()) return;
        if (client->closed_) return connect_settled(nullptr);  // the connection went away
        // The session's socket is back already (on another connection): never two sockets with
        // one id.
        if (!restored || sockets_.contains(restored->session.sid))
          return run_middlewares(std::make_shared<Socket>(*this, *client, std::move(auth)), 0);
        auto socket =
            std::make_shared<Socket>(*this, *client, std::move(auth), std::move(*restored));
        if (server_.options().connection_state_recovery->skip_middlewares) return connected(socket);
        run_middlewares(socket, 0);
      });
}

void Namespace::run_middlewares(const std::shared_ptr<Socket>& socket, std::size_t index) {
  if (index == middlewares_.size()) return connected(socket);
  // A middleware may answer later (after a database lookup, say): next() carries on from there.
  auto called = std::make_shared<bool>(false);
  middlewares_[index](*socket, [this, alive = std::weak_ptr(alive_), socket, index,
                                called](std::optional<ConnectError> error) {
    if (std::exchange(*called, true) || alive.expired()) return;
    if (!socket->client_) return connect_settled(nullptr);  // the connection went away
    if (error) {
      connect_settled(socket->client_);
      log::debug(log::Layer::socketio, "{}: refused by a middleware of {}: {}", socket->id(), name_,
                 error->message);
      Packet packet;
      packet.type = PacketType::connect_error;
      packet.nsp = name_;
      if (socket->client_->legacy_protocol()) {
        // Socket.IO v4: the error's data, or else its message, as it is.
        packet.data =
            error->data.is_null() ? boost::json::value(error->message) : std::move(error->data);
      } else {
        boost::json::object payload;
        payload["message"] = error->message;
        if (!error->data.is_null()) payload["data"] = std::move(error->data);
        packet.data = std::move(payload);
      }
      socket->client_->write(packet);
      return;
    }
    run_middlewares(socket, index + 1);
  });
}

void Namespace::connected(const std::shared_ptr<Socket>& socket) {
  connect_settled(socket->client_);
  if (!socket->client_ || socket->client_->closed_) return;
  sockets_.emplace(socket->id(), socket);
  socket->client_->add_socket(socket);
  socket->on_connect();
  server_.notify([&](ServerObserver& observer) { observer.on_socket_connected(*socket); });
  for (const auto& handler : on_connection_) {
    if (!socket->connected()) break;
    handler(*socket);
  }
}

}  // namespace soket::socketio
