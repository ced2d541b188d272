#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "soket/engineio/handshake.hpp"
#include "soket/socketio/ack_completion.hpp"
#include "soket/socketio/broadcast_operator.hpp"
#include "soket/socketio/packet.hpp"
#include "soket/socketio/session_store.hpp"
#include "soket/socketio/typed_events.hpp"
#include "soket/socketio/types.hpp"
#include "soket/util/interned_name.hpp"
#include "soket/util/token_bucket.hpp"

namespace soket::socketio {

class Client;
class Server;

class Socket;

/// What Socket::compress() returns: emits to that one socket with the per-packet flag.
class SocketEmitter {
 public:
  /// Emits `message` as `event`.
  void emit_message(std::string_view event, Message message) const;
  /// Emits [event, values...].
  template <class... T>
  void emit(std::string_view event, T&&... values) const {
    emit_message(event, make_message(std::forward<T>(values)...));
  }
  /// Emits and waits for the client's ack (at most `timeout` when > 0).
  void emit_with_ack(std::string_view event, Message message, AckCallback callback,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds::zero()) const;

 private:
  friend class Socket;
  SocketEmitter(Socket& socket, bool compress) : socket_(&socket), compress_(compress) {}
  Socket* socket_;
  bool compress_;
};

/// One client's membership of one namespace: what socket.io calls a Socket.
class Socket : public std::enable_shared_from_this<Socket> {
 public:
  /// Made by the namespace when a client connects (with its `auth`).
  Socket(Namespace& nsp, Client& client, boost::json::object auth);
  /// A socket that recovers `restored`: its id, rooms, data, and the packets it missed.
  Socket(Namespace& nsp, Client& client, boost::json::object auth, RestoredSession restored);
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  /// Its id (Node's socket.id).
  const SocketId& id() const { return id_; }
  /// Its namespace.
  Namespace& nsp() { return nsp_; }
  /// Whether it is still connected.
  bool connected() const { return connected_; }
  /// Whether connection state recovery gave this socket back the state of an earlier connection
  /// (its id, rooms, data and missed packets).
  bool recovered() const { return recovered_; }
  /// The Engine.IO handshake (query, headers, address, url) this connection opened with.
  const engineio::Handshake& handshake() const;
  /// The `auth` payload the client sent with CONNECT.
  const boost::json::object& auth() const;
  /// Anything the application wants to keep with the socket (socket.data).
  boost::json::object& data();
  /// "polling" or "websocket", or "" once disconnected.
  std::string_view transport() const;
  /// The Engine.IO session id of this socket's connection, or "" once disconnected.
  std::string_view connection_id() const;

  /// Adds a listener of `event` (after those already there, as Node's socket.on). Every listener
  /// of an event runs, in order; each gets the message as it arrived (a listener may move from
  /// it without the next one noticing) and the same Ack, which answers once.
  ListenerId on(std::string event, EventHandler handler);
  /// A listener that runs for the next `event` only.
  ListenerId once(std::string event, EventHandler handler);
  /// Removes every listener of `event`, or the one listener `id`.
  void off(std::string_view event);
  /// Removes one listener added with on() or once().
  void off(ListenerId id);
  /// The number of listeners of `event`.
  std::size_t listener_count(std::string_view event) const;

  /// Listeners of every incoming event, run before the event's own listeners (Node's onAny /
  /// prependAny / offAny).
  ListenerId on_any(AnyHandler handler);
  /// Adds a catch-all listener before the others.
  ListenerId prepend_any(AnyHandler handler);
  /// Removes every catch-all listener.
  void off_any();
  /// Removes one catch-all listener.
  void off_any(ListenerId id);
  /// Listeners of every event sent to this client, broadcasts included (onAnyOutgoing & co). Only
  /// sockets that have one pay for them.
  ListenerId on_any_outgoing(AnyHandler handler);
  /// Adds an outgoing catch-all listener before the others.
  ListenerId prepend_any_outgoing(AnyHandler handler);
  /// Removes every outgoing catch-all listener.
  void off_any_outgoing();
  /// Removes one outgoing catch-all listener.
  void off_any_outgoing(ListenerId id);
  /// The any-listeners (incoming / outgoing), in the order they run (Node's listenersAny /
  /// listenersAnyOutgoing).
  std::vector<AnyHandler> listeners_any() const;
  /// The outgoing catch-all listeners.
  std::vector<AnyHandler> listeners_any_outgoing() const;
  /// Adds a per-packet middleware (Node's socket.use): they run in order, after the any-listeners
  /// and before the event's listeners; each calls next() to go on or next(error) to stop there.
  void use(PacketMiddleware middleware) {
    rare().packet_middlewares.push_back(std::move(middleware));
  }
  /// Listens to the errors of packet middlewares (Node's socket.on("error")).
  void on_error(ErrorHandler handler) { rare().error_handlers.push_back(std::move(handler)); }

  /// Runs when the socket is about to leave, still in its rooms (Node's "disconnecting").
  void on_disconnecting(DisconnectHandler handler);
  /// The same, with the disconnect's description.
  void on_disconnecting(DisconnectDescriptionHandler handler) {
    rare().on_disconnecting.push_back(std::move(handler));
  }
  /// Runs once the socket has left its namespace and rooms, with the reason (Node's reasons:
  /// "transport close", "server namespace disconnect", ...) and, if asked for, its description.
  void on_disconnect(DisconnectHandler handler);
  /// The same, with the disconnect's description.
  void on_disconnect(DisconnectDescriptionHandler handler) {
    on_disconnect_.push_back(std::move(handler));
  }

  /// Emits `message` as `event` to this client.
  void emit_message(std::string_view event, Message message);
  /// Emits [event, values...] to this client (Node's socket.emit).
  template <class... T>
  void emit(std::string_view event, T&&... values) {
    emit_message(event, make_message(std::forward<T>(values)...));
  }

  // Typed events (typed_events.hpp): checked against the event's descriptor at compile time.
  /// handler(Socket&, the values of E::args...[, TypedAck<E> when E has an ack]). A client event
  /// whose arguments do not convert: the handler is not called, the error listeners (on_error)
  /// get `event "<name>": argument <i> does not convert: ...`, the connection stays.
  template <EventDescriptor E, class F>
  ListenerId on(F handler) {
    static_assert(typed_detail::handles<E, Socket, F>::value,
                  "on<E>(handler): the handler must take (Socket&, the types of E::args...) and, "
                  "when E has an ack, a TypedAck<E> last");
    return on(std::string(std::string_view(E::name)),
              typed_detail::listener<E, Socket>(std::move(handler)));
  }
  /// emit<E>(values...): exactly the values E::args declares.
  template <EventDescriptor E, class... V>
  void emit(V&&... values) {
    emit_message(E::name, event_message<E>(std::forward<V>(values)...));
  }
  /// emit_with_ack<E>(values..., callback(error, std::optional<E::ack>)): an answer that does not
  /// match E::ack is an error. Waits as long as it takes (the untyped API has timeouts).
  template <AckedEventDescriptor E, class... V>
  void emit_with_ack(V&&... values_then_callback) {
    static_assert(sizeof...(V) >= 1, "emit_with_ack<E>(values..., callback): no callback");
    auto all = std::forward_as_tuple(std::forward<V>(values_then_callback)...);
    constexpr std::size_t count = sizeof...(V) - 1;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      emit_with_ack(
          E::name, event_message<E>(std::get<I>(std::move(all))...),
          typed_detail::ack_callback<E>(TypedAckCallback<E>(std::get<count>(std::move(all)))));
    }
    (std::make_index_sequence<count>{});
  }
  /// Tells the error listeners (on_error) about `error` (a typed event that did not convert).
  void report_error(std::string_view error);
  /// emit("message", values...) (Node's socket.send).
  template <class... T>
  void send(T&&... values) {
    emit("message", std::forward<T>(values)...);
  }

  /// Emits that may be lost: a packet is dropped when the connection cannot take it now (a
  /// long-poll with no GET waiting, a WebSocket with a write under way). Node's socket.volatile.
  class Volatile {
   public:
    /// Emits `message` as `event`, unless the connection cannot take it now.
    void emit_message(std::string_view event, Message message) const;
    /// Emits [event, values...], unless the connection cannot take it now.
    template <class... T>
    void emit(std::string_view event, T&&... values) const {
      emit_message(event, make_message(std::forward<T>(values)...));
    }
    /// send(values...) as a volatile emit.
    template <class... T>
    void send(T&&... values) const {
      emit("message", std::forward<T>(values)...);
    }

   private:
    friend class Socket;
    explicit Volatile(Socket& socket) : socket_(&socket) {}
    Socket* socket_;
  };
  /// socket.volatile_().emit(...); for the others, socket.broadcast().volatile_().emit(...).
  Volatile volatile_() { return Volatile(*this); }
  /// Whether a packet sent now goes out at once (what volatile emits check).
  bool writable() const;
  /// Bytes queued for this socket's connection and not written yet; the connection closes with
  /// "transport error" past the Engine.IO max_buffered_bytes.
  std::size_t buffered_bytes() const;

  /// Emits and waits for the client's ack; after `timeout` (when > 0) the callback gets
  /// "operation has timed out".
  void emit_with_ack(std::string_view event, Message message, AckCallback callback,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());
  /// compress(false).emit(...): that packet skips compression (permessage-deflate, HTTP).
  SocketEmitter compress(bool compress) { return {*this, compress}; }
  /// The same, as variadic as emit() and in Asio's style: the last argument is a completion token
  /// for `void(error_code, Message reply)` (AckError::timed_out / disconnected):
  ///   socket.emit_with_ack("ask", 1, "two", [](boost::system::error_code ec, Message reply)
  ///   {...}); Message reply = co_await socket.emit_with_ack("ask", 1, asio::use_awaitable);
  ///   std::future<Message> reply = socket.emit_with_ack("ask", 1, asio::use_future);
  /// Waits as long as it takes; timeout(ms).emit_with_ack(...) bounds the wait.
  template <class... Args>
  requires detail::ends_with_token<Args...>
  auto emit_with_ack(std::string_view event, Args&&... args) {
    return timeout(std::chrono::milliseconds::zero())
        .emit_with_ack(event, std::forward<Args>(args)...);
  }

  /// Emits with an ack that times out after `timeout` (Node's socket.timeout(ms).emitWithAck()).
  class Timed {
   public:
    /// Emits [event, args...] and completes the token with the answer or AckError::timed_out.
    template <class... Args>
    requires detail::ends_with_token<Args...>
    auto emit_with_ack(std::string_view event, Args&&... args) const {
      return detail::initiate_ack(
          *io_,
          [weak = socket_, name = std::string(event), timeout = timeout_](Message message,
                                                                          AckCallback done) {
            auto socket = weak.lock();
            if (!socket) {
              Message none;
              return done(std::string("socket has been disconnected"), none);
            }
            socket->emit_with_ack(name, std::move(message), std::move(done), timeout);
          },
          event, std::forward<Args>(args)...);
    }

   private:
    friend class Socket;
    Timed(std::weak_ptr<Socket> socket, net::asio::io_context& io,
          std::chrono::milliseconds timeout)
        : socket_(std::move(socket)), io_(&io), timeout_(timeout) {}
    std::weak_ptr<Socket> socket_;
    net::asio::io_context* io_;
    std::chrono::milliseconds timeout_;
  };
  /// Emits whose ack is awaited at most `timeout`.
  Timed timeout(std::chrono::milliseconds timeout) { return {weak_from_this(), io(), timeout}; }
  /// The io_context its server runs on.
  net::asio::io_context& io() const;

  /// Joins `room`.
  void join(Room room);
  /// Joins `rooms`.
  void join(const std::vector<Room>& rooms);
  /// Leaves `room`.
  void leave(const Room& room);
  /// Its rooms (its own id's room included).
  std::vector<Room> rooms() const;

  /// Every other socket of the namespace in `room` (this one excluded), and so on.
  BroadcastOperator to(Room room) const { return broadcast().to(std::move(room)); }
  /// A broadcast to `rooms`, this socket left out.
  BroadcastOperator to(std::initializer_list<Room> rooms) const { return broadcast().to(rooms); }
  /// A broadcast to `rooms`, this socket left out.
  BroadcastOperator to(const std::vector<Room>& rooms) const { return broadcast().to(rooms); }
  /// Same as to().
  BroadcastOperator in(Room room) const { return to(std::move(room)); }
  /// Same as to().
  BroadcastOperator in(std::initializer_list<Room> rooms) const { return to(rooms); }
  /// Same as to().
  BroadcastOperator in(const std::vector<Room>& rooms) const { return to(rooms); }
  /// A broadcast to everyone but this socket and `room`.
  BroadcastOperator except(Room room) const { return broadcast().except(std::move(room)); }
  /// A broadcast to everyone but this socket and `rooms`.
  BroadcastOperator except(std::initializer_list<Room> rooms) const {
    return broadcast().except(rooms);
  }
  /// A broadcast to everyone but this socket and `rooms`.
  BroadcastOperator except(const std::vector<Room>& rooms) const {
    return broadcast().except(rooms);
  }
  /// A broadcast to every socket of the namespace but this one.
  BroadcastOperator broadcast() const;

  /// Leaves the namespace ("server namespace disconnect"); with close, ends the whole connection.
  void disconnect(bool close = false);

  /// Writes an encoded packet to this socket's connection (used by adapters).
  void write(const EncodedPacket& packet);
  /// Waits for the client's ack of packet `id`, sent by someone else (a broadcast with an ack).
  void expect_ack(uint64_t id, AckCallback callback);

 private:
  static SocketId make_id(const Namespace& nsp, Client& client);
  friend class Client;
  friend class Namespace;
  friend class Ack;
  friend class SocketEmitter;

  void emit_event(std::string_view event, Message message, bool compress);
  void emit_event_with_ack(std::string_view event, Message message, AckCallback callback,
                           std::chrono::milliseconds timeout, bool compress);
  void write(const EncodedPacket& packet, bool compress) {
    if (compress) return write(packet);
    write(uncompressed(packet));
  }

  void on_connect();
  void on_packet(Packet& packet);
  void on_event(Packet& packet);
  /// An event over ServerOptions::events_per_second: dropped, and the client told.
  void drop_over_rate(Packet& packet);
  void on_ack(Packet& packet);
  void send_ack(uint64_t id, Message message);
  /// Leaves the namespace for `reason` (with its description, see DisconnectDescriptionHandler).
  void on_close(std::string_view reason, const boost::json::value& description = nullptr);

  struct PendingAck {
    AckCallback callback;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  Namespace& nsp_;
  Server* server_;  // kept apart: a child namespace may be deleted before its sockets
  Client* client_;
  SocketId id_;
  // The CONNECT's auth and socket.data, made when either is not empty: two empty objects would
  // take 48 bytes in every socket, and most sockets have neither.
  struct Payload {
    boost::json::object auth;
    boost::json::object data;
  };
  std::unique_ptr<Payload> payload_;
  // Only with ServerOptions::events_per_second set; without a limit a socket holds a null here.
  struct EventRate {
    TokenBucket bucket;
    std::chrono::steady_clock::time_point last_notice{};
  };
  std::unique_ptr<EventRate> event_rate_;
  static std::unique_ptr<EventRate> make_event_rate(double per_second, double burst) {
    if (!(per_second > 0)) return nullptr;  // 0 (or NaN): no limit
    return std::make_unique<EventRate>(EventRate{TokenBucket(per_second, burst)});
  }
  bool connected_ = false;
  bool recovered_ = false;
  bool left_ = false;  // disconnected: the namespace may be gone, touch it no more
  // Connection state recovery; null when it is off (and for Socket.IO v4 clients), so that it costs
  // a socket one pointer then.
  struct Recovery {
    std::string pid;    // the private session id, sent with the CONNECT answer
    std::string start;  // the offset of the newest packet kept when the session began
    std::optional<RestoredSession> restored;  // the session being recovered, until on_connect
  };
  std::unique_ptr<Recovery> recovery_;
  struct Listener {      // 48 bytes: kept for as long as the socket, a few per socket
    InternedName event;  // one pointer: every socket's listeners share the names
    EventHandler handler;
    ListenerId id : 63;
    ListenerId once : 1;
  };
  struct AnyListener {
    ListenerId id;
    AnyHandler handler;
  };
  void notify_outgoing(const EncodedPacket& packet);
  struct PendingEvent;
  void run_packet_middlewares(const std::shared_ptr<PendingEvent>& pending, std::size_t index);
  void dispatch(const std::string& event, Message& message, Ack& ack);

  // A few listeners per socket, for as long as it lives: a vector is smaller than a hash map and
  // as fast to search at this size.
  std::vector<Listener> listeners_;
  ListenerId next_listener_id_ = 1;
  std::vector<DisconnectDescriptionHandler> on_disconnect_;
  // What few sockets use, made on first use: a socket without any of it costs one pointer here
  // instead of ~200 bytes (most sockets only have event listeners and a disconnect handler).
  struct Rare {
    std::vector<AnyListener> any_listeners;
    std::vector<AnyListener> outgoing_listeners;
    std::vector<PacketMiddleware> packet_middlewares;
    std::vector<ErrorHandler> error_handlers;
    std::vector<DisconnectDescriptionHandler> on_disconnecting;
    std::unordered_map<uint64_t, PendingAck> acks;  // the acks this server waits for
  };
  Rare& rare() {
    if (!rare_) rare_ = std::make_unique<Rare>();
    return *rare_;
  }
  std::unique_ptr<Rare> rare_;
};

}  // namespace soket::socketio
