#include "soket/socketio/adapter.hpp"

#include <boost/asio/post.hpp>

#include <ctime>

#include "soket/socketio/namespace.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"

namespace soket::socketio {

namespace {

boost::json::object fields_object(const FieldList& fields) {
  boost::json::object object;
  for (auto [name, value] : fields)
    object[name] = value;
  return object;
}

// The form of JavaScript's Date#toString(), which the reference puts in handshake.time.
std::string js_date_string(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::strftime(text, sizeof text, "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)",
                &utc);
  return text;
}

}  // namespace

Adapter::Adapter(Namespace& nsp) : nsp_(nsp) {
  const auto& options = nsp.server().options();
  if (const auto& recovery = options.connection_state_recovery) {
    recovers_ = true;
    sessions_ = std::make_unique<SessionStore>(*recovery, options.parser);
  }
}

Adapter::~Adapter() = default;

EncodedPacket Adapter::encode(const Packet& packet) const {
  return nsp_.server().encode(packet);
}

void Adapter::broadcast_packet(const Packet& packet, const BroadcastOptions& options) {
  broadcast(encode_for_delivery(packet, options), options);
}

EncodedPacket Adapter::keep_for_recovery(Packet& packet, const BroadcastOptions& options) {
  if (!sessions_) return encode(packet);
  return sessions_->store(packet, options);
}

void Adapter::emit_to_socket(Socket& socket, const Packet& packet,
                             const BroadcastOptions& options) {
  auto bytes = encode_for_delivery(packet, options);
  socket.write(options.flags.compress ? bytes : uncompressed(bytes));
}

std::string Adapter::last_offset() {
  return sessions_ ? sessions_->last_offset() : std::string();
}

void Adapter::persist_session(SocketSession session) {
  if (sessions_) sessions_->persist(std::move(session));
}

void Adapter::restore_session(std::string pid, std::optional<std::string> offset,
                              RestoreSessionCallback done) {
  if (!sessions_) return done(std::nullopt);
  done(sessions_->restore(pid, offset ? std::optional<std::string_view>(*offset) : std::nullopt));
}

void Adapter::broadcast_with_ack(Packet packet, const BroadcastOptions& options,
                                 ClientCountCallback client_count, ClientAckCallback ack) {
  client_count(local_broadcast_with_ack(packet, options, ack));
}

std::size_t Adapter::local_broadcast_with_ack(Packet& packet, const BroadcastOptions& options,
                                              const ClientAckCallback& ack) {
  packet.nsp = nsp_.name();
  packet.id = nsp_.next_ack_id();
  auto encoded = encode(packet);
  if (!options.flags.compress) encoded = uncompressed(encoded);
  std::vector<std::shared_ptr<Socket>> targets;
  for (const auto& id : sockets(options))
    if (auto socket = nsp_.find(id)) targets.push_back(std::move(socket));
  for (const auto& socket : targets) {
    // A client that goes away before answering simply never answers; the caller's timeout ends it.
    socket->expect_ack(*packet.id, [ack](std::optional<std::string> error, Message& reply) {
      if (!error) ack(reply);
    });
    socket->write(encoded);
  }
  return targets.size();
}

void Adapter::server_count(std::function<void(std::optional<std::size_t>)> done) {
  done(1);
}

void Adapter::server_side_emit(Message, ServerSideAckCallback ack) {
  if (!ack) return;
  // No other node: every one of them has answered. Never call back inline.
  boost::asio::post(nsp_.server().io(), [ack = std::move(ack)] {
    Message none;
    ack(std::nullopt, none);
  });
}

SocketDetails Adapter::details(Socket& socket) const {
  const auto& handshake = socket.handshake();
  SocketDetails details;
  details.id = socket.id();
  auto& h = details.handshake;
  h["headers"] = fields_object(handshake.headers);
  h["time"] = js_date_string(handshake.issued_ms);
  h["address"] = handshake.address;
  h["xdomain"] = handshake.xdomain;
  h["secure"] = handshake.secure;
  h["issued"] = handshake.issued_ms;
  h["url"] = handshake.url;
  h["query"] = fields_object(handshake.query);
  h["auth"] = socket.auth();
  details.rooms = socket_rooms(socket.id());
  details.data = socket.data();
  return details;
}

std::vector<SocketDetails> Adapter::local_details(const BroadcastOptions& options) const {
  std::vector<SocketDetails> found;
  for (const auto& id : sockets(options))
    if (auto* socket = nsp_.find_raw(id)) found.push_back(details(*socket));
  return found;
}

void Adapter::add_sockets(const BroadcastOptions& options, std::span<const Room> rooms) {
  for (const auto& id : sockets(options))
    if (auto socket = nsp_.find(id)) socket->join(std::vector<Room>(rooms.begin(), rooms.end()));
}

void Adapter::del_sockets(const BroadcastOptions& options, std::span<const Room> rooms) {
  for (const auto& id : sockets(options))
    if (auto socket = nsp_.find(id))
      for (const auto& room : rooms)
        socket->leave(room);
}

void Adapter::disconnect_sockets(const BroadcastOptions& options, bool close) {
  for (const auto& id : sockets(options))
    if (auto socket = nsp_.find(id)) socket->disconnect(close);
}

void Adapter::fetch_sockets(const BroadcastOptions& options, FetchSocketsCallback done) {
  done(std::nullopt, local_details(options));
}

void InMemoryAdapter::add_all(const SocketId& id, std::span<const Room> rooms) {
  for (const auto& room : rooms) {
    if (room == id) {
      if (left_own_room_.erase(id)) joined(room, id);
      continue;
    }
    if (sids_[id].insert(room).second) {
      auto& members = rooms_[room];
      members.insert(id);
      if (members.size() == 1) on_room_created(room);
      joined(room, id);
    }
  }
}

void InMemoryAdapter::joined(const Room& room, const SocketId& id) {
  nsp_.server().notify([&](ServerObserver& observer) { observer.on_room_joined(nsp_, room, id); });
}

void InMemoryAdapter::left(const Room& room, const SocketId& id) {
  nsp_.server().notify([&](ServerObserver& observer) { observer.on_room_left(nsp_, room, id); });
}

void InMemoryAdapter::del(const SocketId& id, const Room& room) {
  if (room == id) {
    if (left_own_room_.insert(id).second) left(room, id);
    return;
  }
  if (auto it = sids_.find(id); it != sids_.end()) {
    it->second.erase(room);
    if (it->second.empty()) sids_.erase(it);
  }
  if (auto it = rooms_.find(room); it != rooms_.end()) {
    if (it->second.erase(id)) {
      if (it->second.empty()) {
        rooms_.erase(it);
        on_room_deleted(room);
      }
      left(room, id);
    }
  }
}

void InMemoryAdapter::del_all(const SocketId& id) {
  // The namespace forgets the socket right after this.
  if (!left_own_room_.erase(id)) left(id, id);
  auto it = sids_.find(id);
  if (it == sids_.end()) return;
  auto rooms = std::move(it->second);
  sids_.erase(it);
  for (const auto& room : rooms) {
    if (auto r = rooms_.find(room); r != rooms_.end()) {
      r->second.erase(id);
      if (r->second.empty()) {
        rooms_.erase(r);
        on_room_deleted(room);
      }
    }
    left(room, id);
  }
}

bool InMemoryAdapter::in_own_room(const SocketId& id) const {
  return left_own_room_.empty() || !left_own_room_.contains(id);
}

bool InMemoryAdapter::is_member(const SocketId& id, const Room& room) const {
  if (room == id) return in_own_room(id);
  auto r = rooms_.find(room);
  return r != rooms_.end() && r->second.contains(id);
}

bool InMemoryAdapter::in_any_room(const SocketId& id) const {
  return in_own_room(id) || sids_.contains(id);
}

// The sockets in `room`: those that joined it, and the socket whose id it is.
template <class Fn>
void InMemoryAdapter::for_each_member(const Room& room, Fn&& fn) const {
  if (auto r = rooms_.find(room); r != rooms_.end()) {
    for (const auto& id : r->second)
      if (auto* socket = nsp_.find_raw(id)) fn(*socket);
  }
  // Never also in rooms_[room]: add_all does not store a socket's own room.
  if (auto* socket = nsp_.find_raw(room); socket && in_own_room(room)) fn(*socket);
}

template <class Fn>
void InMemoryAdapter::for_each_target(const BroadcastOptions& options, Fn&& fn) const {
  auto excluded = [&](const SocketId& id) {
    for (const auto& room : options.except)
      if (is_member(id, room)) return true;
    return false;
  };
  if (options.rooms.empty()) {
    for (const auto& [id, socket] : nsp_.sockets())
      if (in_any_room(socket->id()) && !excluded(socket->id())) fn(*socket);
    return;
  }
  if (options.rooms.size() == 1) {  // the common case needs no de-duplication
    for_each_member(options.rooms.front(), [&](Socket& socket) {
      if (!excluded(socket.id())) fn(socket);
    });
    return;
  }
  std::unordered_set<const Socket*> seen;
  for (const auto& room : options.rooms) {
    for_each_member(room, [&](Socket& socket) {
      if (!excluded(socket.id()) && seen.insert(&socket).second) fn(socket);
    });
  }
}

void InMemoryAdapter::broadcast(const EncodedPacket& packet, const BroadcastOptions& options) {
  // Collect first: a write may fail and close a socket, which changes the room maps.
  std::vector<std::shared_ptr<Socket>> targets;
  for_each_target(options, [&](Socket& socket) { targets.push_back(socket.shared_from_this()); });
  if (!options.flags.compress || options.flags.volatile_) {
    // compress(false): one uncompressed copy for every target, still one set of bytes.
    // volatile: only the targets whose transport can take it now.
    const auto bytes = options.flags.compress ? packet : uncompressed(packet);
    for (const auto& socket : targets)
      if (!options.flags.volatile_ || socket->writable()) socket->write(bytes);
    return;
  }
  for (const auto& socket : targets)
    socket->write(packet);
}

std::vector<SocketId> InMemoryAdapter::sockets(const BroadcastOptions& options) const {
  std::vector<SocketId> ids;
  for_each_target(options, [&](Socket& socket) { ids.push_back(socket.id()); });
  return ids;
}

bool InMemoryAdapter::has_room(const Room& room) const {
  if (rooms_.contains(room)) return true;
  return nsp_.find_raw(room) && in_own_room(room);
}

std::vector<Room> InMemoryAdapter::joined_rooms() const {
  std::vector<Room> rooms;
  rooms.reserve(rooms_.size());
  for (const auto& [room, members] : rooms_)
    rooms.push_back(room);
  return rooms;
}

std::vector<Room> InMemoryAdapter::rooms() const {
  std::vector<Room> rooms = joined_rooms();
  for (const auto& [id, socket] : nsp_.sockets())
    if (in_own_room(socket->id())) rooms.push_back(socket->id());
  return rooms;
}

std::vector<Room> InMemoryAdapter::socket_rooms(const SocketId& id) const {
  std::vector<Room> rooms;
  if (nsp_.find_raw(id) && in_own_room(id)) rooms.push_back(id);
  if (auto it = sids_.find(id); it != sids_.end())
    rooms.insert(rooms.end(), it->second.begin(), it->second.end());
  return rooms;
}

}  // namespace soket::socketio
