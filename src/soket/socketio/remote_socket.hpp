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
  RemoteSocket(Namespace& nsp, SocketDetails details) : nsp_(&nsp), details_(std::move(details)) {}

  const SocketId& id() const { return details_.id; }
  const boost::json::object& handshake() const { return details_.handshake; }
  const std::vector<Room>& rooms() const { return details_.rooms; }
  const boost::json::value& data() const { return details_.data; }

  void join(Room room) const;
  void leave(Room room) const;
  void disconnect(bool close = false) const;
  void emit_message(std::string_view event, Message message) const {
    target().emit_message(event, std::move(message));
  }
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
