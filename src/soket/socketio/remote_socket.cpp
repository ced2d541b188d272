#include "soket/socketio/remote_socket.hpp"

#include "soket/socketio/namespace.hpp"

namespace soket::socketio {

BroadcastOperator RemoteSocket::target() const {
  return BroadcastOperator(*nsp_).to(details_.id);
}

void RemoteSocket::join(Room room) const {
  target().sockets_join({std::move(room)});
}

void RemoteSocket::leave(Room room) const {
  target().sockets_leave({std::move(room)});
}

void RemoteSocket::disconnect(bool close) const {
  target().disconnect_sockets(close);
}

std::shared_ptr<Socket> RemoteSocket::local() const {
  return nsp_->find(details_.id);
}

}  // namespace soket::socketio
