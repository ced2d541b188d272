#include "soket/socketio/socket.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>

#include "soket/socketio/client.hpp"
#include "soket/socketio/event_packet.hpp"
#include "soket/socketio/namespace.hpp"
#include "soket/socketio/server.hpp"
#include "soket/util/log.hpp"
#include "soket/util/random_id.hpp"
#include "soket/util/timer_delay.hpp"

namespace soket::socketio {

void Ack::operator()(Message message) {
  if (!id_) return;
  auto id = *std::exchange(id_, std::nullopt);
  if (auto socket = socket_.lock()) socket->send_ack(id, std::move(message));
}

namespace {

// Why a connection may end without the client meaning to leave: its session is kept for recovery.
// Unlike the reference, "forced close" (a protocol error, the connect timeout) is not one of them;
// disconnect(true) closes the namespaces with "server namespace disconnect" first, as there.
bool recoverable(std::string_view reason) {
  return reason == "transport error" || reason == "transport close" || reason == "ping timeout" ||
         reason == "server shutting down" || reason == "forced server close";
}

const boost::json::object& empty_object() {
  static const boost::json::object empty;
  return empty;
}

}  // namespace

Socket::Socket(Namespace& nsp, Client& client, boost::json::object auth)
    : nsp_(nsp),
      server_(&nsp.server()),
      client_(&client),
      id_(make_id(nsp, client)),
      event_rate_(
          make_event_rate(server_->options().events_per_second, server_->options().event_burst)) {
  if (!auth.empty()) payload_ = std::make_unique<Payload>(Payload{std::move(auth), {}});
  // Like the reference, a Socket.IO v4 (Engine.IO v3) client is never told a private id, so it
  // can never recover: no session is kept for it.
  if (nsp_.adapter().recovers_sessions() && !client.legacy_protocol())
    recovery_ = std::make_unique<Recovery>(Recovery{random_id(), {}, std::nullopt});
}

Socket::Socket(Namespace& nsp, Client& client, boost::json::object auth, RestoredSession restored)
    : nsp_(nsp),
      server_(&nsp.server()),
      client_(&client),
      id_(restored.session.sid),
      event_rate_(
          make_event_rate(server_->options().events_per_second, server_->options().event_burst)),
      recovered_(true) {
  if (!auth.empty() || !restored.session.data.empty())
    payload_ = std::make_unique<Payload>(Payload{std::move(auth), restored.session.data});
  auto pid = restored.session.pid;
  auto start = restored.session.start;
  recovery_ =
      std::make_unique<Recovery>(Recovery{std::move(pid), std::move(start), std::move(restored)});
}

SocketId Socket::make_id(const Namespace& nsp, Client& client) {
  if (!client.legacy_protocol()) return random_id();
  // socket.io 2.x clients compute their socket id from the Engine.IO id; the reference matches it.
  const std::string& engine_id = client.connection().id();
  return nsp.name() == "/" ? engine_id : nsp.name() + "#" + engine_id;
}

Socket::~Socket() = default;

net::asio::io_context& Socket::io() const {
  return server_->io();
}

const engineio::Handshake& Socket::handshake() const {
  static const engineio::Handshake empty;
  return client_ ? client_->connection().handshake() : empty;
}

std::string_view Socket::transport() const {
  return client_ ? client_->connection().transport_name() : std::string_view{};
}

const boost::json::object& Socket::auth() const {
  return payload_ ? payload_->auth : empty_object();
}

boost::json::object& Socket::data() {
  if (!payload_) payload_ = std::make_unique<Payload>();
  return payload_->data;
}

std::string_view Socket::connection_id() const {
  return client_ ? std::string_view(client_->connection().id()) : std::string_view{};
}

ListenerId Socket::on(std::string event, EventHandler handler) {
  auto id = next_listener_id_++;
  listeners_.push_back(Listener{InternedName(event), std::move(handler), id, false});
  return id;
}

ListenerId Socket::once(std::string event, EventHandler handler) {
  auto id = next_listener_id_++;
  listeners_.push_back(Listener{InternedName(event), std::move(handler), id, true});
  return id;
}

void Socket::off(std::string_view event) {
  std::erase_if(listeners_, [&](const Listener& l) { return l.event == event; });
}

void Socket::off(ListenerId id) {
  std::erase_if(listeners_, [&](const Listener& l) { return l.id == id; });
}

std::size_t Socket::listener_count(std::string_view event) const {
  return std::count_if(listeners_.begin(), listeners_.end(),
                       [&](const Listener& l) { return l.event == event; });
}

namespace {

template <class List, class Handler>
ListenerId add_listener(List& list, ListenerId& next_id, Handler handler, bool first) {
  auto id = next_id++;
  list.insert(first ? list.begin() : list.end(), typename List::value_type{id, std::move(handler)});
  return id;
}

template <class List>
void remove_listener(List& list, ListenerId id) {
  std::erase_if(list, [&](const auto& l) { return l.id == id; });
}

}  // namespace

ListenerId Socket::on_any(AnyHandler handler) {
  return add_listener(rare().any_listeners, next_listener_id_, std::move(handler), false);
}

ListenerId Socket::prepend_any(AnyHandler handler) {
  return add_listener(rare().any_listeners, next_listener_id_, std::move(handler), true);
}

void Socket::off_any() {
  if (rare_) rare_->any_listeners.clear();
}

void Socket::off_any(ListenerId id) {
  if (rare_) remove_listener(rare_->any_listeners, id);
}

ListenerId Socket::on_any_outgoing(AnyHandler handler) {
  return add_listener(rare().outgoing_listeners, next_listener_id_, std::move(handler), false);
}

ListenerId Socket::prepend_any_outgoing(AnyHandler handler) {
  return add_listener(rare().outgoing_listeners, next_listener_id_, std::move(handler), true);
}

void Socket::off_any_outgoing() {
  if (rare_) rare_->outgoing_listeners.clear();
}

void Socket::off_any_outgoing(ListenerId id) {
  if (rare_) remove_listener(rare_->outgoing_listeners, id);
}

namespace {

template <class List>
std::vector<AnyHandler> handlers_of(const List& list) {
  std::vector<AnyHandler> handlers;
  handlers.reserve(list.size());
  for (const auto& listener : list)
    handlers.push_back(listener.handler);
  return handlers;
}

DisconnectDescriptionHandler with_description(DisconnectHandler handler) {
  return [handler = std::move(handler)](Socket& socket, std::string_view reason,
                                        const boost::json::value&) { handler(socket, reason); };
}

}  // namespace

std::vector<AnyHandler> Socket::listeners_any() const {
  return rare_ ? handlers_of(rare_->any_listeners) : std::vector<AnyHandler>{};
}

std::vector<AnyHandler> Socket::listeners_any_outgoing() const {
  return rare_ ? handlers_of(rare_->outgoing_listeners) : std::vector<AnyHandler>{};
}

void Socket::on_disconnecting(DisconnectHandler handler) {
  rare().on_disconnecting.push_back(with_description(std::move(handler)));
}

void Socket::on_disconnect(DisconnectHandler handler) {
  on_disconnect_.push_back(with_description(std::move(handler)));
}

// Outgoing packets exist only encoded (a broadcast is encoded once for everyone), so a socket
// that listens to them decodes its own copy.
void Socket::notify_outgoing(const EncodedPacket& packet) {
  if (packet.frames.empty()) return;
  Decoder decoder;
  const auto& first = packet.frames.front();
  if (first.binary || !first.bytes || first.bytes->empty() || first.bytes->front() != '4') return;
  auto status = decoder.add_text(std::string_view(*first.bytes).substr(1));
  for (std::size_t i = 1; status == Decoder::Status::need_attachment && i < packet.frames.size();
       ++i)
    status = decoder.add_binary(packet.frames[i].bytes);
  if (status != Decoder::Status::ready) return;
  auto decoded = decoder.take();
  if (decoded.type != PacketType::event) return;
  std::string event(event_name(decoded));
  auto message = take_message(decoded, true);
  auto listeners = rare_->outgoing_listeners;  // a listener may remove itself
  for (const auto& listener : listeners)
    listener.handler(*this, event, message);
}

void Socket::on_connect() {
  log::debug(log::Layer::socketio, "{}: connected to {} (connection {}{})", id_, nsp_.name(),
             connection_id(), recovered_ ? ", session recovered" : "");
  connected_ = true;
  join(id_);
  if (recovery_ && recovery_->restored) {
    auto restored = std::move(*recovery_->restored);
    recovery_->restored.reset();
    join(restored.session.rooms);
    // Like the reference, the missed packets go before the CONNECT answer: the client keeps them
    // until it is connected, then handles them in order.
    for (const auto& packet : restored.missed)
      client_->write(packet);
  } else if (recovery_) {
    recovery_->start = nsp_.adapter().last_offset();
  }
  Packet packet;
  packet.type = PacketType::connect;
  packet.nsp = nsp_.name();
  if (client_->legacy_protocol()) return client_->write(packet);  // v4: a CONNECT without sid
  boost::json::object payload;
  payload["sid"] = id_;
  if (recovery_) payload["pid"] = recovery_->pid;
  packet.data = std::move(payload);
  client_->write(packet);
}

void SocketEmitter::emit_message(std::string_view event, Message message) const {
  socket_->emit_event(event, std::move(message), compress_);
}

void SocketEmitter::emit_with_ack(std::string_view event, Message message, AckCallback callback,
                                  std::chrono::milliseconds timeout) const {
  socket_->emit_event_with_ack(event, std::move(message), std::move(callback), timeout, compress_);
}

void Socket::report_error(std::string_view error) {
  log::debug(log::Layer::socketio, "{}: {}", id_, error);
  if (!rare_) return;
  auto handlers = rare_->error_handlers;  // a handler may add more
  for (const auto& handler : handlers)
    handler(*this, error);
}

void Socket::emit_message(std::string_view event, Message message) {
  emit_event(event, std::move(message), true);
}

void Socket::emit_event(std::string_view event, Message message, bool compress) {
  if (!connected_) return;
  log::debug(log::Layer::socketio, "{}: emitting event \"{}\"", id_, event);
  auto packet = make_event_packet(nsp_.name(), event, std::move(message), std::nullopt);
  auto& adapter = nsp_.adapter();
  if (!adapter.recovers_sessions()) return write(server_->encode(packet), compress);
  // Kept like a broadcast to this socket's own room, so that it is replayed if it gets lost.
  BroadcastOptions options;
  options.rooms.push_back(id_);
  options.flags.compress = compress;
  adapter.emit_to_socket(*this, packet, options);
}

void Socket::Volatile::emit_message(std::string_view event, Message message) const {
  if (!socket_->writable()) return;  // dropped before it costs an encoding
  socket_->emit_message(event, std::move(message));
}

bool Socket::writable() const {
  return connected_ && client_ && client_->connection().writable();
}

std::size_t Socket::buffered_bytes() const {
  return client_ ? client_->connection().buffered_bytes() : 0;
}

void Socket::emit_with_ack(std::string_view event, Message message, AckCallback callback,
                           std::chrono::milliseconds timeout) {
  emit_event_with_ack(event, std::move(message), std::move(callback), timeout, true);
}

void Socket::emit_event_with_ack(std::string_view event, Message message, AckCallback callback,
                                 std::chrono::milliseconds timeout, bool compress) {
  if (!connected_) {
    Message empty;
    callback(std::string("socket has been disconnected"), empty);
    return;
  }
  uint64_t id = nsp_.next_ack_id();
  PendingAck pending{std::move(callback), nullptr};
  if (timeout.count() > 0) {
    pending.timer =
        std::make_unique<boost::asio::steady_timer>(server_->io(), bounded_timer_delay(timeout));
    pending.timer->async_wait([weak = weak_from_this(), id](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      if (!self->rare_) return;
      auto& acks = self->rare_->acks;
      auto it = acks.find(id);
      if (it == acks.end()) return;
      auto done = std::move(it->second.callback);
      acks.erase(it);
      Message empty;
      done(std::string("operation has timed out"), empty);
    });
  }
  rare().acks.emplace(id, std::move(pending));
  write(nsp_.server().encode(make_event_packet(nsp_.name(), event, std::move(message), id)),
        compress);
}

void Socket::expect_ack(uint64_t id, AckCallback callback) {
  if (!connected_) return;
  rare().acks.emplace(id, PendingAck{std::move(callback), nullptr});
}

void Socket::send_ack(uint64_t id, Message message) {
  if (!connected_) return;
  write(nsp_.server().encode(make_ack_packet(nsp_.name(), id, std::move(message))));
}

void Socket::join(Room room) {
  if (left_) return;  // its namespace may be gone (cleanup_empty_child_namespaces)
  nsp_.adapter().add_all(id_, std::span<const Room>(&room, 1));
}

void Socket::join(const std::vector<Room>& rooms) {
  if (left_) return;
  nsp_.adapter().add_all(id_, rooms);
}

void Socket::leave(const Room& room) {
  if (left_) return;
  nsp_.adapter().del(id_, room);
}

std::vector<Room> Socket::rooms() const {
  if (left_) return {};
  return nsp_.adapter().socket_rooms(id_);
}

BroadcastOperator Socket::broadcast() const {
  BroadcastOptions options;
  options.except.push_back(id_);
  return BroadcastOperator(nsp_, std::move(options));
}

void Socket::write(const EncodedPacket& packet) {
  if (!connected_ || !client_) return;
  if (rare_ && !rare_->outgoing_listeners.empty()) notify_outgoing(packet);
  client_->write(packet);
}

void Socket::disconnect(bool close) {
  if (!connected_) return;
  if (close) {
    // Every namespace of the connection leaves with a DISCONNECT packet, then it closes; the
    // client sees "io server disconnect".
    auto* client = client_;
    client->disconnect_all();
    return client->close("forced close");
  }
  Packet packet;
  packet.type = PacketType::disconnect;
  packet.nsp = nsp_.name();
  client_->write(packet);
  on_close("server namespace disconnect");
}

void Socket::on_packet(Packet& packet) {
  switch (packet.type) {
    case PacketType::event:
    case PacketType::binary_event:
      return on_event(packet);
    case PacketType::ack:
    case PacketType::binary_ack:
      return on_ack(packet);
    case PacketType::disconnect:
      return on_close("client namespace disconnect");
    default:
      return;  // CONNECT for a joined namespace, CONNECT_ERROR from a client: nothing to do
  }
}

struct Socket::PendingEvent {
  std::string event;
  Message message;
  Ack ack;
};

void Socket::on_event(Packet& packet) {
  if (event_rate_ && !event_rate_->bucket.take(std::chrono::steady_clock::now()))
    return drop_over_rate(packet);
  std::string event(event_name(packet));
  log::debug(log::Layer::socketio, "{}: received event \"{}\"{}", id_, event,
             packet.id ? " (wants an ack)" : "");
  Message message = take_message(packet, true);
  Ack ack = packet.id ? Ack(weak_from_this(), *packet.id) : Ack();
  auto self = shared_from_this();  // a listener may disconnect this socket
  if (rare_ && !rare_->any_listeners.empty()) {
    auto any = rare_->any_listeners;  // a listener may add or remove listeners
    for (const auto& listener : any) {
      listener.handler(*this, event, message);
      if (!connected_) return;
    }
  }
  if (!rare_ || rare_->packet_middlewares.empty()) return dispatch(event, message, ack);
  auto pending = std::make_shared<PendingEvent>(
      PendingEvent{std::move(event), std::move(message), std::move(ack)});
  run_packet_middlewares(pending, 0);
}

void Socket::drop_over_rate(Packet& packet) {
  ++server_->limit_stats_.events_dropped;
  std::string_view event = event_name(packet);
  if (uint64_t count = server_->rate_limit_log_.ready()) {
    spdlog::warn(
        "Socket.IO: dropped {} event(s) since the last such line, over the limit of {} "
        "a second per socket (the last \"{}\" from {})",
        count, server_->options().events_per_second, event,
        client_->connection().handshake().address);
  }
  const boost::json::object error{{"message", "rate limit exceeded"}, {"event", event}};
  if (packet.id)
    send_ack(*packet.id, make_message(boost::json::object{{"error", "rate limit exceeded"}}));
  auto now = std::chrono::steady_clock::now();
  if (now - event_rate_->last_notice >= std::chrono::seconds(1)) {
    event_rate_->last_notice = now;
    emit("error", error);
  }
}

void Socket::run_packet_middlewares(const std::shared_ptr<PendingEvent>& pending,
                                    std::size_t index) {
  if (!connected_) return;
  if (index == rare_->packet_middlewares.size())
    return dispatch(pending->event, pending->message, pending->ack);
  // A middleware may answer later (after a lookup, say): next() carries on from there, once.
  auto called = std::make_shared<bool>(false);
  auto middleware = rare_->packet_middlewares[index];
  middleware(*this, pending->event, pending->message,
             [self = shared_from_this(), pending, index, called](std::optional<std::string> error) {
               if (std::exchange(*called, true)) return;
               if (!error) return self->run_packet_middlewares(pending, index + 1);
               auto handlers = self->rare_->error_handlers;
               for (const auto& handler : handlers)
                 handler(*self, *error);
             });
}

void Socket::dispatch(const std::string& event, Message& message, Ack& ack) {
  // The listeners of this event as they are now; once-listeners leave before they run.
  boost::container::small_vector<EventHandler, 2> matching;
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (it->event != event) {
      ++it;
      continue;
    }
    matching.push_back(it->handler);
    it = it->once ? listeners_.erase(it) : it + 1;
  }
  for (std::size_t i = 0; i < matching.size(); ++i) {
    if (i + 1 == matching.size()) {
      matching[i](*this, message, ack);
    } else {
      Message copy = message;  // the next listener sees the message as it arrived
      matching[i](*this, copy, ack);
    }
    if (!connected_) return;
  }
}

void Socket::on_ack(Packet& packet) {
  if (!packet.id) return;
  log::debug(log::Layer::socketio, "{}: received ack {}", id_, *packet.id);
  if (!rare_) return;
  auto it = rare_->acks.find(*packet.id);
  if (it == rare_->acks.end()) return;
  auto callback = std::move(it->second.callback);
  rare_->acks.erase(it);
  Message message = take_message(packet, false);
  callback(std::nullopt, message);
}

void Socket::on_close(std::string_view reason, const boost::json::value& description) {
  if (!connected_) return;
  log::debug(log::Layer::socketio, "{}: disconnected from {} ({})", id_, nsp_.name(), reason);
  auto self = shared_from_this();
  if (rare_) {
    auto handlers = rare_->on_disconnecting;  // a handler may add more
    for (const auto& handler : handlers)
      handler(*this, reason, description);
  }
  connected_ = false;
  if (recovery_ && recoverable(reason)) {
    SocketSession session{id_, recovery_->pid, rooms(), payload_ ? payload_->data : empty_object(),
                          recovery_->start};
    nsp_.adapter().persist_session(std::move(session));
  }
  left_ = true;
  nsp_.adapter().del_all(id_);
  nsp_.remove(id_);
  if (client_) client_->remove_socket(*this);
  decltype(Rare::acks) acks;
  if (rare_) acks.swap(rare_->acks);
  for (auto& [id, pending] : acks) {
    Message empty;
    if (pending.callback) pending.callback(std::string("socket has been disconnected"), empty);
  }
  for (const auto& handler : on_disconnect_)
    handler(*this, reason, description);
  nsp_.server().notify(
      [&](ServerObserver& observer) { observer.on_socket_disconnected(*this, reason); });
  client_ = nullptr;
}

}  // namespace soket::socketio
