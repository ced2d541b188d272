#pragma once

#include <boost/json/object.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "soket/socketio/adapter.hpp"
#include "soket/socketio/broadcast_operator.hpp"
#include "soket/socketio/types.hpp"

namespace soket::socketio {

class Client;
class Server;

/// A namespace ("/", "/chat"): its middlewares, connection handlers, sockets and rooms.
class Namespace {
 public:
  /// A namespace of `server`, with rooms kept by the adapter `make_adapter` makes.
  Namespace(Server& server, std::string name, const AdapterFactory& make_adapter);
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  /// Its name ("/", "/admin").
  const std::string& name() const { return name_; }
  /// The server it belongs to.
  Server& server() { return server_; }
  /// Keeps its rooms and delivers its broadcasts.
  Adapter& adapter() { return *adapter_; }

  /// Runs before a socket joins, in order; a middleware calls next() to go on or
  /// next(ConnectError{...}) to refuse the connection.
  void use(Middleware middleware) { middlewares_.push_back(std::move(middleware)); }
  /// Adds a handler for every client that connects to it.
  void on_connection(ConnectionHandler handler) { on_connection_.push_back(std::move(handler)); }

  /// A broadcast to the sockets in `room`.
  BroadcastOperator to(Room room) { return BroadcastOperator(*this).to(std::move(room)); }
  /// A broadcast to the sockets in any of `rooms`.
  BroadcastOperator to(std::initializer_list<Room> rooms) {
    return BroadcastOperator(*this).to(rooms);
  }
  /// A broadcast to the sockets in any of `rooms`.
  BroadcastOperator to(const std::vector<Room>& rooms) {
    return BroadcastOperator(*this).to(rooms);
  }
  /// Same as to().
  BroadcastOperator in(Room room) { return to(std::move(room)); }
  /// Same as to().
  BroadcastOperator in(std::initializer_list<Room> rooms) { return to(rooms); }
  /// Same as to().
  BroadcastOperator in(const std::vector<Room>& rooms) { return to(rooms); }
  /// A broadcast to every socket but those in `room`.
  BroadcastOperator except(Room room) { return BroadcastOperator(*this).except(std::move(room)); }
  /// A broadcast to every socket but those in `rooms`.
  BroadcastOperator except(std::initializer_list<Room> rooms) {
    return BroadcastOperator(*this).except(rooms);
  }
  /// A broadcast to every socket but those in `rooms`.
  BroadcastOperator except(const std::vector<Room>& rooms) {
    return BroadcastOperator(*this).except(rooms);
  }
  /// A broadcast that may be dropped for sockets that cannot take it now.
  BroadcastOperator volatile_() { return BroadcastOperator(*this).volatile_(); }
  /// Emits `message` as `event` to every socket of the namespace.
  void emit_message(std::string_view event, Message message) {
    BroadcastOperator(*this).emit_message(event, std::move(message));
  }
  /// Emits [event, values...] to every socket of the namespace.
  template <class... T>
  void emit(std::string_view event, T&&... values) {
    emit_message(event, make_message(std::forward<T>(values)...));
  }
  /// emit<E>(values...): a typed event (typed_events.hpp), checked at compile time.
  template <EventDescriptor E, class... V>
  void emit(V&&... values) {
    emit_message(E::name, event_message<E>(std::forward<V>(values)...));
  }
  /// emit("message", values...) (Node's namespace.send).
  template <class... T>
  void send(T&&... values) {
    emit("message", std::forward<T>(values)...);
  }
  /// The ids of this node's sockets of the namespace (Node's allSockets); to(room).socket_ids()
  /// for those of a room.
  std::vector<SocketId> socket_ids() { return BroadcastOperator(*this).socket_ids(); }
  /// Every room of this node's namespace with a member, the sockets' own rooms included (Node's
  /// adapter.rooms).
  std::vector<Room> rooms() const { return adapter_->rooms(); }
  /// A broadcast to this node's sockets only (not the cluster's).
  BroadcastOperator local() { return BroadcastOperator(*this).local(); }
  /// A broadcast with compression on or off.
  BroadcastOperator compress(bool compress) { return BroadcastOperator(*this).compress(compress); }
  /// A broadcast whose acks are awaited at most `timeout`.
  BroadcastOperator timeout(std::chrono::milliseconds timeout) {
    return BroadcastOperator(*this).timeout(timeout);
  }
  /// The sockets of the whole cluster, as RemoteSocket, through `done`.
  void fetch_sockets(FetchRemoteSocketsCallback done) {
    BroadcastOperator(*this).fetch_sockets(std::move(done));
  }
  /// Makes every socket join `rooms`.
  void sockets_join(std::vector<Room> rooms) {
    BroadcastOperator(*this).sockets_join(std::move(rooms));
  }
  /// Makes every socket leave `rooms`.
  void sockets_leave(std::vector<Room> rooms) {
    BroadcastOperator(*this).sockets_leave(std::move(rooms));
  }
  /// Disconnects every socket (`close`: their whole connection).
  void disconnect_sockets(bool close = false) {
    BroadcastOperator(*this).disconnect_sockets(close);
  }

  /// Handles `event` when another node of the cluster emits it with server_side_emit.
  void on_server_side(std::string event, ServerSideHandler handler) {
    server_side_handlers_.emplace_back(std::move(event), std::move(handler));
  }
  /// Emits [event, ...args] to the server-side handlers of every other node (not this one); with
  /// `ack`, collects one answer per node within the adapter's request timeout.
  void server_side_emit_message(std::string_view event, Message message,
                                ServerSideAckCallback ack = {});
  /// Emits [event, values...] to the server-side handlers of the other nodes.
  template <class... T>
  void server_side_emit(std::string_view event, T&&... values) {
    server_side_emit_message(event, make_message(std::forward<T>(values)...));
  }
  /// Runs the server-side handlers for a message [event, ...args] from another node.
  void dispatch_server_side(Message& message, const ServerSideReply& reply);

  /// A fresh id for a packet that expects an ack (shared by socket emits and broadcasts, so a
  /// socket never has two pending acks with one id).
  uint64_t next_ack_id() { return next_ack_id_++; }

  /// The connected socket with this id, or null.
  std::shared_ptr<Socket> find(const SocketId& id) const;
  /// The same without sharing ownership, for lookups on the broadcast path.
  Socket* find_raw(const SocketId& id) const {
    auto it = sockets_.find(id);
    return it == sockets_.end() ? nullptr : it->second.get();
  }
  /// The connected sockets of this node, by id (a view of the socket's own id()). An
  /// open-addressing table: a 32-byte slot per socket at a load of 0.44-0.875, where a node and
  /// its bucket took 72 bytes, and a broadcast walks it in order of memory. Connecting a socket
  /// invalidates iterators (as a rehash of std::unordered_map does).
  using SocketMap = boost::unordered_flat_map<std::string_view, std::shared_ptr<Socket>>;
  /// The connected sockets of this node, by id.
  const SocketMap& sockets() const { return sockets_; }
  /// No socket connected and none on its way in (in the middlewares or a session restore).
  bool empty() const { return sockets_.empty() && connecting_ == 0; }

 private:
  friend class Client;
  friend class Socket;

  /// A client asks to join: run the middlewares, then connect or refuse.
  void add(Client& client, boost::json::object auth);
  void run_middlewares(const std::shared_ptr<Socket>& socket, std::size_t index);
  void connected(const std::shared_ptr<Socket>& socket);
  /// A CONNECT that was on its way in has ended (joined, refused, or its client went away).
  void connect_settled(Client* client);
  void remove(const SocketId& id);

  Server& server_;
  std::string name_;
  std::unique_ptr<Adapter> adapter_;
  std::vector<Middleware> middlewares_;
  std::vector<ConnectionHandler> on_connection_;
  // Keyed by a view of the socket's own id, which it keeps while it is here (no copy of the id).
  SocketMap sockets_;
  std::vector<std::pair<std::string, ServerSideHandler>> server_side_handlers_;
  uint64_t next_ack_id_ = 0;
  // CONNECTs in the middlewares or a session restore: a child namespace is not cleaned up under
  // them.
  std::size_t connecting_ = 0;
  // Expires with the namespace; callbacks that answer later (a session restore from Redis, an
  // async middleware) check it before touching the namespace.
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

}  // namespace soket::socketio
