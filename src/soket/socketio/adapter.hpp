#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "soket/socketio/packet.hpp"
#include "soket/socketio/session_store.hpp"
#include "soket/socketio/types.hpp"

namespace soket::socketio {

/// How an operation travels: `local` keeps it on this node; `timeout` bounds a broadcast's wait for
/// the clients' acknowledgements.
struct BroadcastFlags {
  /// Keeps the operation on this node: a cluster adapter does not forward it to the other nodes.
  bool local = false;
  bool compress = true;  ///< false: the packet skips permessage-deflate and HTTP compression
  /// How long a broadcast with an ack waits for the clients' answers; none: no ack expected.
  std::optional<std::chrono::milliseconds> timeout;
  /// volatile: the packet is dropped for a socket whose connection cannot take it now.
  bool volatile_ = false;
};

/// Which sockets an operation targets: members of any of `rooms` (every socket when empty), minus
/// members of any of `except`.
struct BroadcastOptions {
  /// Target the members of any of these rooms; empty: every socket of the namespace.
  std::vector<Room> rooms;
  /// Leave out the members of any of these rooms, even when they are in `rooms`.
  std::vector<Room> except;
  /// How the operation travels (local, compress, timeout, volatile).
  BroadcastFlags flags;
};

/// A socket of any node of the cluster as fetch_sockets reports it (Node's RemoteSocket fields).
struct SocketDetails {
  /// The socket's id (Socket#id), which is also the name of its own room.
  SocketId id;
  boost::json::object
      handshake;  ///< headers, time, address, xdomain, secure, issued, url, query, auth
  /// The rooms the socket is in, its own room included.
  std::vector<Room> rooms;
  boost::json::value data;  ///< socket.data
};

/// The sockets fetch_sockets found, or the error that stopped it (a node did not answer in time).
using FetchSocketsCallback =
    std::function<void(std::optional<std::string> error, std::vector<SocketDetails> sockets)>;

/// Called once per node that broadcast a packet with an ack, with the number of its clients that
/// got it; and once per client answer, with that answer.
using ClientCountCallback = std::function<void(std::size_t count)>;
/// Called once per client answer to a broadcast with an ack, with that answer's arguments.
using ClientAckCallback = std::function<void(Message& reply)>;

/// The answer of every other node to a server-side emit (one value each, in `responses.args`), or
/// an error (some did not answer in time) with those that did.
using ServerSideAckCallback =
    std::function<void(std::optional<std::string> error, Message& responses)>;

/// Keeps the rooms of one namespace and delivers broadcasts to their sockets. The in-memory adapter
/// serves one process; a cluster adapter (Redis) derives from it and also forwards every operation
/// to the other nodes, without Namespace or Socket knowing.
class Adapter {
 public:
  /// With connection state recovery on (ServerOptions), keeps sessions and packets to replay.
  explicit Adapter(Namespace& nsp);
  virtual ~Adapter();

  /// Puts socket `id` in each of `rooms` (Socket#join).
  virtual void add_all(const SocketId& id, std::span<const Room> rooms) = 0;
  /// Takes socket `id` out of `room` (Socket#leave).
  virtual void del(const SocketId& id, const Room& room) = 0;
  /// Takes socket `id` out of every room, its own included (on disconnection).
  virtual void del_all(const SocketId& id) = 0;

  /// Sends an already encoded packet to every targeted socket of this node.
  virtual void broadcast(const EncodedPacket& packet, const BroadcastOptions& options) = 0;

  /// Sends `packet` to every targeted socket of the cluster (of this node only with flags.local).
  /// One node: encodes it once and calls broadcast(). A cluster adapter also forwards the packet.
  virtual void broadcast_packet(const Packet& packet, const BroadcastOptions& options);

  /// Sends an EVENT packet that expects an ack to every targeted socket; `client_count` is called
  /// once per node with the number of sockets it reached, `ack` once per client answer. The
  /// packet's id is set here (one id for all receivers, as in the reference).
  virtual void broadcast_with_ack(Packet packet, const BroadcastOptions& options,
                                  ClientCountCallback client_count, ClientAckCallback ack);

  /// The number of nodes serving this namespace (this one included), or nullopt when it cannot be
  /// known now (the cluster's broker is unreachable).
  virtual void server_count(std::function<void(std::optional<std::size_t>)> done);

  /// Sends [event, ...args] to the server-side handlers of the other nodes (never this one). With
  /// `ack`, waits for one answer per node.
  virtual void server_side_emit(Message message, ServerSideAckCallback ack);

  /// Whether any local socket is in `room` (a socket's own id included).
  virtual bool has_room(const Room& room) const = 0;

  /// The ids of the local sockets targeted by `options`.
  virtual std::vector<SocketId> sockets(const BroadcastOptions& options) const = 0;
  /// The rooms socket `id` is in (a local socket), its own room included.
  virtual std::vector<Room> socket_rooms(const SocketId& id) const = 0;
  /// Every room of this node that has a member, sockets' own rooms included (the keys of Node's
  /// adapter.rooms).
  virtual std::vector<Room> rooms() const = 0;

  /// Operations on the targeted sockets (a cluster adapter applies them on every node).
  virtual void add_sockets(const BroadcastOptions& options, std::span<const Room> rooms);
  /// Makes the targeted sockets leave each of `rooms`.
  virtual void del_sockets(const BroadcastOptions& options, std::span<const Room> rooms);
  /// Disconnects the targeted sockets; `close` also closes their underlying Engine.IO connection.
  virtual void disconnect_sockets(const BroadcastOptions& options, bool close);
  /// The targeted sockets of the whole cluster (of this node with flags.local).
  virtual void fetch_sockets(const BroadcastOptions& options, FetchSocketsCallback done);

  /// What fetch_sockets reports about a local socket.
  SocketDetails details(Socket& socket) const;
  /// The local part of fetch_sockets.
  std::vector<SocketDetails> local_details(const BroadcastOptions& options) const;
  /// The local part of broadcast_with_ack: returns the number of sockets reached.
  std::size_t local_broadcast_with_ack(Packet& packet, const BroadcastOptions& options,
                                       const ClientAckCallback& ack);

  // Connection state recovery (Node's persistSession / restoreSession of a session-aware adapter).
  // These do nothing unless ServerOptions::connection_state_recovery is set. By default each node
  // keeps sessions and packets in memory (SessionStore) for its own clients: a client that comes
  // back to another node starts a new session. A cluster adapter that shares them (through its
  // broker) overrides the four virtual functions below together; offsets are then its own.

  /// Whether connection state recovery is on.
  bool recovers_sessions() const { return recovers_; }
  /// `packet` encoded for this node's sockets, with the server's parser. With recovery on, an EVENT
  /// without an ack id goes through keep_for_recovery(); otherwise (and always with recovery off,
  /// at no extra cost) it is encoded as it is.
  EncodedPacket encode_for_delivery(const Packet& packet, const BroadcastOptions& options) {
    if (!recovers_ || !kept_for_recovery(packet)) return encode(packet);
    Packet copy = packet;
    return keep_for_recovery(copy, options);
  }
  /// Appends the next offset to `packet`'s arguments (last, as the reference client expects),
  /// encodes it, and keeps it for the sockets `options` targets that lose their connection. Every
  /// targeted socket gets the returned bytes.
  virtual EncodedPacket keep_for_recovery(Packet& packet, const BroadcastOptions& options);
  /// With recovery on, a socket's own emit of a packet recovery keeps (the reference sends it as a
  /// broadcast to the socket's own room). By default it is numbered, kept and written at once; an
  /// adapter whose offsets come from its broker may write it once the broker numbered it.
  virtual void emit_to_socket(Socket& socket, const Packet& packet,
                              const BroadcastOptions& options);
  /// The offset of the newest packet kept so far: a session that begins now starts after it (a
  /// client that got no packet yet comes back with its pid alone; see restore_session).
  virtual std::string last_offset();
  /// Keeps the state of a socket that lost its connection for max_disconnection_duration.
  virtual void persist_session(SocketSession session);
  /// Looks for the session `pid` and the packets it missed after `offset` (after the session's
  /// start without one), and calls `done` with them, or with nullopt when it cannot be recovered
  /// whole (unknown or expired pid, foreign offset, packets gone): the client gets a new session.
  /// `done` may be called later (a broker lookup), on this namespace's io thread. The session is
  /// taken out: a pid is recovered once.
  virtual void restore_session(std::string pid, std::optional<std::string> offset,
                               RestoreSessionCallback done);

  /// Which packets recovery keeps and numbers: EVENTs without an ack id (an ack could not be
  /// restored, as in the reference).
  static bool kept_for_recovery(const Packet& packet) {
    return !packet.id &&
           (packet.type == PacketType::event || packet.type == PacketType::binary_event);
  }

 protected:
  /// `packet` encoded with the server's parser (what every broadcast of this adapter sends).
  EncodedPacket encode(const Packet& packet) const;

  /// The namespace whose rooms this adapter keeps.
  Namespace& nsp_;
  /// Whether connection state recovery is on (ServerOptions::connection_state_recovery).
  bool recovers_ = false;
  std::unique_ptr<SessionStore> sessions_;  ///< the in-memory store; null when recovery is off
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
  std::vector<Room> rooms() const override;
  bool has_room(const Room& room) const override;

 protected:
  /// Called when a room gets its first member and when its last one leaves (never for a socket's
  /// own room): a cluster adapter may subscribe to the room's channel.
  virtual void on_room_created(const Room&) {}
  /// See on_room_created(): called when a room loses its last member.
  virtual void on_room_deleted(const Room&) {}
  /// Every room that has members, sockets' own rooms aside.
  std::vector<Room> joined_rooms() const;

 private:
  /// Calls fn(socket) once for each local socket targeted by `options`.
  template <class Fn>
  void for_each_target(const BroadcastOptions& options, Fn&& fn) const;
  template <class Fn>
  void for_each_member(const Room& room, Fn&& fn) const;
  /// Tells the server's observers (the admin UI) that a socket entered / left a room.
  void joined(const Room& room, const SocketId& id);
  void left(const Room& room, const SocketId& id);
  bool in_own_room(const SocketId& id) const;
  bool is_member(const SocketId& id, const Room& room) const;
  bool in_any_room(const SocketId& id) const;

  std::unordered_map<Room, std::unordered_set<SocketId>> rooms_;  // joined rooms, own ids aside
  std::unordered_map<SocketId, std::unordered_set<Room>> sids_;   // the same, by socket
  std::unordered_set<SocketId> left_own_room_;
};

/// Makes the adapter of a namespace (ServerOptions::adapter, Server::set_adapter_factory()).
using AdapterFactory = std::function<std::unique_ptr<Adapter>(Namespace&)>;

}  // namespace soket::socketio
