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
  auto& mine = sids_[id];
  for (const auto& room : rooms) {
    if (mine.insert(room).second) rooms_[room].insert(id);
  }
}

void InMemoryAdapter::del(const SocketId& id, const Room& room) {
  if (auto it = sids_.find(id); it != sids_.end()) it->second.erase(room);
  if (auto it = rooms_.find(room); it != rooms_.end()) {
    it->second.erase(id);
    if (it->second.empty()) rooms_.erase(it);
  }
}

void InMemoryAdapter::del_all(const SocketId& id) {
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

template <class Fn>
void InMemoryAdapter::for_each_target(const BroadcastOptions& options, Fn&& fn) const {
  auto excluded = [&](const SocketId& id) {
    for (const auto& room : options.except) {
      auto r = rooms_.find(room);
      if (r != rooms_.end() && r->second.contains(id)) return true;
    }
    return false;
  };
  if (options.rooms.empty()) {
    for (const auto& [id, rooms] : sids_)
      if (!excluded(id)) fn(id);
    return;
  }
  if (options.rooms.size() == 1) {  // the common case needs no de-duplication
    auto r = rooms_.find(options.rooms.front());
    if (r == rooms_.end()) return;
    for (const auto& id : r->second)
      if (!excluded(id)) fn(id);
    return;
  }
  std::unordered_set<SocketId> seen;
  for (const auto& room : options.rooms) {
    auto r = rooms_.find(room);
    if (r == rooms_.end()) continue;
    for (const auto& id : r->second)
      if (!excluded(id) && seen.insert(id).second) fn(id);
  }
}

void InMemoryAdapter::broadcast(const EncodedPacket& packet, const BroadcastOptions& options) {
  // Collect first: a write may fail and close a socket, which changes the room maps.
  std::vector<std::shared_ptr<Socket>> targets;
  for_each_target(options, [&](const SocketId& id) {
    if (auto socket = nsp_.find(id)) targets.push_back(std::move(socket));
  });
  for (const auto& socket : targets)
    socket->write(packet);
}

std::vector<SocketId> InMemoryAdapter::sockets(const BroadcastOptions& options) const {
  std::vector<SocketId> ids;
  for_each_target(options, [&](const SocketId& id) { ids.push_back(id); });
  return ids;
}

std::vector<Room> InMemoryAdapter::socket_rooms(const SocketId& id) const {
  auto it = sids_.find(id);
  if (it == sids_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace soket::socketio
