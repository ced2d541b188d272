#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "soket/engineio/server.hpp"
#include "soket/socketio/adapter.hpp"
#include "soket/socketio/namespace.hpp"
#include "soket/socketio/observer.hpp"
#include "soket/socketio/options.hpp"
#include "soket/socketio/parent_namespace.hpp"
#include "soket/util/log_throttle.hpp"

namespace soket::socketio {

class Client;

/// The Socket.IO v5 server. Lives on one io_context, like everything it owns.
class Server {
 public:
  /// A server on `io` (all its work runs on that io_context's thread).
  Server(net::asio::io_context& io, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Serves Socket.IO (and the browser client) on `http`.
  void attach(http::Server& http);

  /// The namespace called `name`, created on first use.
  Namespace& of(std::string_view name);
  /// The main namespace, "/".
  Namespace& main() { return of("/"); }
  /// Dynamic namespaces: every name matching `pattern` (whole name, "/" included), or for which
  /// `matcher` says yes, is created when a client first connects to it.
  ParentNamespace& of(const std::regex& pattern);
  /// Dynamic namespaces: those for which `matcher` says yes.
  ParentNamespace& of(NamespaceMatcher matcher);
  /// Whether namespace `name` exists.
  bool has_namespace(std::string_view name) const { return namespaces_.contains(name); }

  /// A middleware of the main namespace.
  void use(Middleware middleware) { main().use(std::move(middleware)); }
  /// A connection handler of the main namespace.
  void on_connection(ConnectionHandler handler) { main().on_connection(std::move(handler)); }
  /// A broadcast to `room` of the main namespace.
  BroadcastOperator to(Room room) { return main().to(std::move(room)); }
  /// A broadcast to `rooms` of the main namespace.
  BroadcastOperator to(std::initializer_list<Room> rooms) { return main().to(rooms); }
  /// A broadcast to `rooms` of the main namespace.
  BroadcastOperator to(const std::vector<Room>& rooms) { return main().to(rooms); }
  /// Same as to().
  BroadcastOperator in(Room room) { return main().to(std::move(room)); }
  /// Same as to().
  BroadcastOperator in(std::initializer_list<Room> rooms) { return main().to(rooms); }
  /// Same as to().
  BroadcastOperator in(const std::vector<Room>& rooms) { return main().to(rooms); }
  /// A broadcast to the main namespace but `room`.
  BroadcastOperator except(Room room) { return main().except(std::move(room)); }
  /// A broadcast to the main namespace but `rooms`.
  BroadcastOperator except(std::initializer_list<Room> rooms) { return main().except(rooms); }
  /// A broadcast to the main namespace but `rooms`.
  BroadcastOperator except(const std::vector<Room>& rooms) { return main().except(rooms); }
  /// A volatile broadcast (Node's io.volatile).
  BroadcastOperator volatile_() { return main().volatile_(); }
  /// A broadcast to this node only (Node's io.local).
  BroadcastOperator local() { return main().local(); }
  /// A broadcast with compression on or off.
  BroadcastOperator compress(bool compress) { return main().compress(compress); }
  /// A broadcast whose acks are awaited at most `timeout`.
  BroadcastOperator timeout(std::chrono::milliseconds timeout) { return main().timeout(timeout); }
  /// Every socket of the main namespace in the cluster.
  void fetch_sockets(FetchRemoteSocketsCallback done) { main().fetch_sockets(std::move(done)); }
  /// Makes every socket join `rooms`.
  void sockets_join(std::vector<Room> rooms) { main().sockets_join(std::move(rooms)); }
  /// Makes every socket leave `rooms`.
  void sockets_leave(std::vector<Room> rooms) { main().sockets_leave(std::move(rooms)); }
  /// Handles `event` sent by another node's server_side_emit (Node's io.on(event)).
  void on_server_side(std::string event, ServerSideHandler handler) {
    main().on_server_side(std::move(event), std::move(handler));
  }
  /// Emits [event, values...] to the other nodes' server-side handlers.
  template <class... T>
  void server_side_emit(std::string_view event, T&&... values) {
    main().server_side_emit(event, std::forward<T>(values)...);
  }
  /// The same, with one answer per node through `ack` (Node's serverSideEmitWithAck).
  void server_side_emit_with_ack(std::string_view event, Message message,
                                 ServerSideAckCallback ack) {
    main().server_side_emit_message(event, std::move(message), std::move(ack));
  }
  /// Emits [event, values...] to every socket of the main namespace.
  template <class... T>
  void emit(std::string_view event, T&&... values) {
    main().emit(event, std::forward<T>(values)...);
  }
  /// emit<E>(values...): a typed event (typed_events.hpp), checked at compile time.
  template <EventDescriptor E, class... V>
  void emit(V&&... values) {
    main().template emit<E>(std::forward<V>(values)...);
  }
  /// emit("message", values...).
  template <class... T>
  void send(T&&... values) {
    main().send(std::forward<T>(values)...);
  }
  /// The ids of this node's sockets of the main namespace.
  std::vector<SocketId> socket_ids() { return main().socket_ids(); }
  /// Disconnects every socket of the main namespace.
  void disconnect_sockets(bool close = false) { main().disconnect_sockets(close); }

  /// Used for namespaces created after this call.
  void set_adapter_factory(AdapterFactory factory) { adapter_factory_ = std::move(factory); }

  /// Disconnects everyone and stops accepting new sessions.
  void close();

  /// The options it was made with.
  const ServerOptions& options() const { return options_; }
  /// `packet` encoded with this server's parser.
  EncodedPacket encode(const Packet& packet) const {
    return socketio::encode(packet, options_.parser);
  }
  /// The Engine.IO server underneath.
  engineio::Server& engine() { return engine_; }
  /// The io_context it runs on.
  net::asio::io_context& io() { return io_; }
  /// What the limits of ServerOptions turned away, since the server started.
  struct LimitStats {
    uint64_t events_dropped = 0;    ///< events over events_per_second
    uint64_t connect_timeouts = 0;  ///< connections closed: no CONNECT within connect_timeout
  };
  /// What the connect timeout and rate limit refused so far.
  LimitStats limit_stats() const { return limit_stats_; }
  /// Engine.IO connections open now (Node's io.engine.clientsCount).
  std::size_t client_count() const { return clients_.size(); }
  /// The connections whose transport is still long-polling.
  std::size_t polling_client_count() const;
  /// Every namespace, by name.
  const std::map<std::string, std::unique_ptr<Namespace>, std::less<>>& namespaces() const {
    return namespaces_;
  }

  /// Installs an observer for as long as the server lives; it hears about namespaces created
  /// before this call only through namespaces().
  void add_observer(std::shared_ptr<ServerObserver> observer) {
    observers_.push_back(std::move(observer));
  }
  /// Calls fn(observer) for each installed observer.
  template <class Fn>
  void notify(Fn&& fn) {
    if (observers_.empty()) return;
    for (auto observers = observers_; auto& observer : observers)
      fn(*observer);
  }

 private:
  friend class Client;
  friend class Namespace;

  Namespace* find_namespace(std::string_view name);
  /// The namespace a client asks to connect to: an existing one, or a new child of the first
  /// parent namespace that accepts the name.
  Namespace* namespace_for_connect(std::string_view name, const boost::json::object& auth);
  /// A child namespace lost its last socket.
  void child_emptied(Namespace& nsp);
  void remove_client(Client* client) { clients_.erase(client); }

  net::asio::io_context& io_;
  ServerOptions options_;
  engineio::Server engine_;
  AdapterFactory adapter_factory_;
  std::map<std::string, std::unique_ptr<Namespace>, std::less<>> namespaces_;
  std::vector<std::unique_ptr<ParentNamespace>> parents_;
  std::unordered_map<const Namespace*, ParentNamespace*> parent_of_;
  boost::unordered_flat_map<Client*, std::shared_ptr<Client>> clients_;  // no node per client
  std::vector<std::shared_ptr<ServerObserver>> observers_;
  friend class Socket;
  LimitStats limit_stats_;
  LogThrottle rate_limit_log_;
};

}  // namespace soket::socketio
