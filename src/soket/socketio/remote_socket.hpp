#pragma once

#include <memory>
#include <utility>

#include "soket/socketio/adapter.hpp"
#include "soket/socketio/broadcast_operator.hpp"

namespace soket::socketio {

class Namespace;

/// A socket of any node of the cluster, as fetch_sockets returns it: what it was when fetched,
/// and operations that reach it wherever it lives (through the adapter, like the reference's
/// RemoteSocket).
class RemoteSocket {
 public:
  /// The socket `details` describes, of namespace `nsp`.
  RemoteSocket(Namespace& nsp, SocketDetails details) : nsp_(&nsp), details_(std::move(details)) {}

  /// Its id.
  const SocketId& id() const { return details_.id; }
  /// Its handshake (address, headers, query, auth, ...).
  const boost::json::object& handshake() const { return details_.handshake; }
  /// Its rooms.
  const std::vector<Room>& rooms() const { return details_.rooms; }
  /// Its data.
  const boost::json::value& data() const { return details_.data; }

  /// Makes it join `room`, wherever it is.
  void join(Room room) const;
  /// Makes it leave `room`.
  void leave(Room room) const;
  /// Disconnects it (`close`: its whole connection).
  void disconnect(bool close = false) const;
  /// Emits `message` as `event` to it.
  void emit_message(std::string_view event, Message message) const {
    target().emit_message(event, std::move(message));
  }
  /// Emits [event, values...] to it.
  template <class... T>
  void emit(std::string_view event, T&&... values) const {
    target().emit(event, std::forward<T>(values)...);
  }
  /// The socket itself when it lives on this node (and this thread), else null.
  std::shared_ptr<Socket> local() const;

 private:
  BroadcastOperator target() const;

  Namespace* nsp_;
  SocketDetails details_;
};

}  // namespace soket::socketio
