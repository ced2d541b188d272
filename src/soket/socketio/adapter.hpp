#pragma once

#include <functional>
#include <memory>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "soket/socketio/packet.hpp"
#include "soket/socketio/types.hpp"

namespace soket::socketio {

/// Which sockets an operation targets: members of any of `rooms` (every socket when empty), minus
/// members of any of `except`.
struct BroadcastOptions {
  std::vector<Room> rooms;
  std::vector<Room> except;
};

/// Keeps the rooms of one namespace and delivers broadcasts to their sockets. The in-memory adapter
/// serves one process; a cluster adapter (Redis) derives from it and also forwards every operation
/// to the other nodes, without Namespace or Socket knowing.
class Adapter {
 public:
  explicit Adapter(Namespace& nsp) : nsp_(nsp) {}
  virtual ~Adapter() = default;

  virtual void add_all(const SocketId& id, std::span<const Room> rooms) = 0;
  virtual void del(const SocketId& id, const Room& room) = 0;
  virtual void del_all(const SocketId& id) = 0;

  /// Sends an already encoded packet to every targeted socket.
  virtual void broadcast(const EncodedPacket& packet, const BroadcastOptions& options) = 0;

  /// The ids of the local sockets targeted by `options`.
  virtual std::vector<SocketId> sockets(const BroadcastOptions& options) const = 0;
  virtual std::vector<Room> socket_rooms(const SocketId& id) const = 0;

  // Operations on the targeted sockets (a cluster adapter applies them on every node).
  virtual void add_sockets(const BroadcastOptions& options, std::span<const Room> rooms);
  virtual void del_sockets(const BroadcastOptions& options, std::span<const Room> rooms);
  virtual void disconnect_sockets(const BroadcastOptions& options, bool close);
  virtual void fetch_sockets(const BroadcastOptions& options,
                             std::function<void(std::vector<std::shared_ptr<Socket>>)> done);

 protected:
  Namespace& nsp_;
};

/// Rooms in memory: room -> sockets and socket -> rooms.
///
/// Every socket is in the room named by its own id from connection on, as in the reference; that
/// membership is implied by the namespace's socket list instead of stored, because it is most of
/// the per-connection memory of a room map and nearly nobody leaves it. Only the sockets that did
/// are remembered.
class InMemoryAdapter : public Adapter {
 public:
  using Adapter::Adapter;

  void add_all(const SocketId& id, std::span<const Room> rooms) override;
  void del(const SocketId& id, const Room& room) override;
  void del_all(const SocketId& id) override;
  void broadcast(const EncodedPacket& packet, const BroadcastOptions& options) override;
  std::vector<SocketId> sockets(const BroadcastOptions& options) const override;
  std::vector<Room> socket_rooms(const SocketId& id) const override;

 private:
  /// Calls fn(socket) once for each local socket targeted by `options`.
  template <class Fn>
  void for_each_target(const BroadcastOptions& options, Fn&& fn) const;
  template <class Fn>
  void for_each_member(const Room& room, Fn&& fn) const;
  bool in_own_room(const SocketId& id) const;
  bool is_member(const SocketId& id, const Room& room) const;
  bool in_any_room(const SocketId& id) const;

  std::unordered_map<Room, std::unordered_set<SocketId>> rooms_;  // joined rooms, own ids aside
  std::unordered_map<SocketId, std::unordered_set<Room>> sids_;   // the same, by socket
  std::unordered_set<SocketId> left_own_room_;
};

using AdapterFactory = std::function<std::unique_ptr<Adapter>(Namespace&)>;

}  // namespace soket::socketio
