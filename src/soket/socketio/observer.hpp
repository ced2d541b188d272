#pragma once

#include <string_view>

#include "soket/socketio/types.hpp"

namespace soket::socketio {

class Client;

/// Watches the life of a server's namespaces, connections, sockets and rooms, across every
/// namespace (what Node's admin UI gets from "new_namespace", "connection" and the adapters'
/// "join-room"/"leave-room"). Called on the server's io thread; never on a message's path, and
/// nothing is called when no observer is installed.
class ServerObserver {
 public:
  virtual ~ServerObserver() = default;

  /// A namespace was created (a dynamic one too).
  virtual void on_namespace_created(Namespace&) {}
  /// An Engine.IO connection opened / closed (Node's engine "connection" and socket "close").
  virtual void on_client_opened(Client&) {}
  /// The same, closed, with the reason.
  virtual void on_client_closed(Client&, std::string_view /*reason*/) {}
  /// A socket joined its namespace: called before the namespace's connection handlers.
  virtual void on_socket_connected(Socket&) {}
  /// After the socket's disconnect handlers.
  virtual void on_socket_disconnected(Socket&, std::string_view /*reason*/) {}
  /// A socket really entered / left a room (its own room included), on any path.
  virtual void on_room_joined(Namespace&, const Room&, const SocketId&) {}
  /// The same, left.
  virtual void on_room_left(Namespace&, const Room&, const SocketId&) {}
  /// Server::close() was called: stop timers so the io_context can finish.
  virtual void on_server_closing() {}
};

}  // namespace soket::socketio
