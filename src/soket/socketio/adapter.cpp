#include "soket/socketio/adapter.hpp"

#include "soket/socketio/namespace.hpp"
#include "soket/socketio/socket.hpp"

namespace soket::socketio {

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

void Adapter::fetch_sockets(const BroadcastOptions& options,
                            std::function<void(std::vector<std::shared_ptr<Socket>>)> done) {
  std::vector<std::shared_ptr<Socket>> found;
  for (const auto& id : sockets(options))
    if (auto socket = nsp_.find(id)) found.push_back(std::move(socket));
  done(std::move(found));
}

void InMemoryAdapter::add_all(const SocketId& id, std::span<const Room> rooms) {
  for (const auto& room : rooms) {
    if (room == id) {
      left_own_room_.erase(id);
      continue;
    }
    if (sids_[id].insert(room).second) rooms_[room].insert(id);
  }
}

void InMemoryAdapter::del(const SocketId& id, const Room& room) {
  if (room == id) {
    left_own_room_.insert(id);
    return;
  }
  if (auto it = sids_.find(id); it != sids_.end()) {
    it->second.erase(room);
    if (it->second.empty()) sids_.erase(it);
  }
  if (auto it = rooms_.find(room); it != rooms_.end()) {
    it->second.erase(id);
    if (it->second.empty()) rooms_.erase(it);
  }
}

void InMemoryAdapter::del_all(const SocketId& id) {
  left_own_room_.erase(id);  // the namespace forgets the socket right after this
  auto it = sids_.find(id);
  if (it == sids_.end()) return;
  for (const auto& room : it->second) {
    if (auto r = rooms_.find(room); r != rooms_.end()) {
      r->second.erase(id);
      if (r->second.empty()) rooms_.erase(r);
    }
  }
  sids_.erase(it);
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
      if (in_any_room(id) && !excluded(id)) fn(*socket);
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
  for (const auto& socket : targets)
    socket->write(packet);
}

std::vector<SocketId> InMemoryAdapter::sockets(const BroadcastOptions& options) const {
  std::vector<SocketId> ids;
  for_each_target(options, [&](Socket& socket) { ids.push_back(socket.id()); });
  return ids;
}

std::vector<Room> InMemoryAdapter::socket_rooms(const SocketId& id) const {
  std::vector<Room> rooms;
  if (nsp_.find_raw(id) && in_own_room(id)) rooms.push_back(id);
  if (auto it = sids_.find(id); it != sids_.end())
    rooms.insert(rooms.end(), it->second.begin(), it->second.end());
  return rooms;
}

}  // namespace soket::socketio
