#pragma once

#include <utility>

#include "soket/socketio/namespace.hpp"
#include "soket/socketio/socket.hpp"
#include "soket/socketio/typed_events.hpp"

namespace soket::socketio {

/// A socket seen through an event map, as socket.io's `Socket<ClientToServerEvents,
/// ServerToClientEvents>`: on<E> only for events of `ClientEvents`, emit<E> only for events of
/// `ServerEvents`; anything else does not compile.
///
///   using ClientEvents = Events<Chat, Join>;
///   using ServerEvents = Events<Chat, Welcome>;
///   TypedNamespace<ClientEvents, ServerEvents> chat(io.of("/chat"));
///   chat.on_connection([](TypedSocket<ClientEvents, ServerEvents> socket) {
///     socket.on<Chat>([](Socket& s, std::string text, int n) { ... });
///     socket.emit<Welcome>("hello");
///   });
template <class ClientEvents, class ServerEvents>
class TypedSocket {
 public:
  /// Wraps `socket`.
  explicit TypedSocket(Socket& socket) : socket_(&socket) {}

  /// Listens to client event E (it must be in ClientEvents).
  template <EventDescriptor E, class F>
  ListenerId on(F handler) {
    static_assert(has_event_v<ClientEvents, E>,
                  "TypedSocket::on<E>: E is not one of the events the client sends (ClientEvents)");
    return socket_->on<E>(std::move(handler));
  }
  /// Emits server event E (it must be in ServerEvents).
  template <EventDescriptor E, class... V>
  void emit(V&&... values) {
    static_assert(has_event_v<ServerEvents, E>,
                  "TypedSocket::emit<E>: E is not one of the events the server sends "
                  "(ServerEvents)");
    socket_->emit<E>(std::forward<V>(values)...);
  }
  /// Emits server event E and waits for its typed ack.
  template <AckedEventDescriptor E, class... V>
  void emit_with_ack(V&&... values_then_callback) {
    static_assert(has_event_v<ServerEvents, E>,
                  "TypedSocket::emit_with_ack<E>: E is not one of the events the server sends "
                  "(ServerEvents)");
    socket_->emit_with_ack<E>(std::forward<V>(values_then_callback)...);
  }
  /// The socket itself, for everything else (rooms, data, disconnect...).
  Socket& socket() const { return *socket_; }
  /// The untyped socket.
  Socket* operator->() const { return socket_; }

 private:
  Socket* socket_;
};

/// A namespace seen through an event map: on_connection hands out TypedSockets; emit<E> (to
/// everyone, or to(room)) only for events of `ServerEvents`.
template <class ClientEvents, class ServerEvents>
class TypedNamespace {
 public:
  /// The typed socket handlers get.
  using SocketType = TypedSocket<ClientEvents, ServerEvents>;
  /// Wraps `nsp`.
  explicit TypedNamespace(Namespace& nsp) : nsp_(&nsp) {}

  /// handler(SocketType&) for every client that connects.
  template <class F>
  void on_connection(F handler) {
    nsp_->on_connection(
        [handler = std::move(handler)](Socket& socket) mutable { handler(SocketType(socket)); });
  }
  /// Emits server event E to every socket.
  template <EventDescriptor E, class... V>
  void emit(V&&... values) {
    static_assert(has_event_v<ServerEvents, E>,
                  "TypedNamespace::emit<E>: E is not one of the events the server sends "
                  "(ServerEvents)");
    nsp_->emit<E>(std::forward<V>(values)...);
  }
  /// A typed broadcast to `room`.
  class Broadcast {
   public:
    /// Wraps a broadcast operator.
    explicit Broadcast(BroadcastOperator op) : op_(std::move(op)) {}
    /// Narrows to `room`.
    Broadcast to(Room room) const { return Broadcast(op_.to(std::move(room))); }
    /// Leaves out `room`.
    Broadcast except(Room room) const { return Broadcast(op_.except(std::move(room))); }
    /// Emits server event E to the targets.
    template <EventDescriptor E, class... V>
    void emit(V&&... values) const {
      static_assert(has_event_v<ServerEvents, E>,
                    "TypedNamespace::to(...).emit<E>: E is not one of the events the server "
                    "sends (ServerEvents)");
      op_.emit<E>(std::forward<V>(values)...);
    }

   private:
    BroadcastOperator op_;
  };
  /// A typed broadcast to `room`.
  Broadcast to(Room room) const { return Broadcast(nsp_->to(std::move(room))); }
  /// The untyped namespace.
  Namespace& nsp() const { return *nsp_; }

 private:
  Namespace* nsp_;
};

}  // namespace soket::socketio
