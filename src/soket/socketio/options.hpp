#pragma once

#include <chrono>
#include <optional>

#include "soket/engineio/options.hpp"
#include "soket/socketio/adapter.hpp"

namespace soket::socketio {

/// Settings of a Socket.IO server (Node's ServerOptions).
struct ServerOptions {
  /// Engine.IO settings: ping, transports, CORS, limits, compression (docs/engine-options.md).
  engineio::ServerOptions engine = [] {
    engineio::ServerOptions o;
    o.path = "/socket.io/";
    return o;
  }();
  /// A connection that joins no namespace within this time is closed.
  std::chrono::milliseconds connect_timeout{45000};
  /// Events a client may send on one socket (one namespace of one connection): a token bucket that
  /// lets `event_burst` through at once, then `events_per_second`. 0 = no limit (Node has none).
  /// An event over the limit is dropped without closing anything: its ack, if it asked for one, is
  /// answered with {"error": "rate limit exceeded"}, and the socket gets an "error" event
  /// `{"message": "rate limit exceeded", "event": <name>}` (at most one a second). Off, it costs
  /// one branch per event.
  double events_per_second = 0;
  double event_burst = 0;  ///< below 1: events_per_second
  /// Serve the official browser client at `<path>socket.io.js` (and .min.js, .js.map).
  bool serve_client = true;
  /// Makes the adapter of each namespace, the main one included; empty: InMemoryAdapter.
  AdapterFactory adapter;
  /// Connection state recovery (ConnectionStateRecoveryOptions); off when empty, as in the
  /// reference.
  std::optional<ConnectionStateRecoveryOptions> connection_state_recovery;
  /// A namespace created by a ParentNamespace (dynamic namespace) is deleted when its last socket
  /// leaves (Node's cleanupEmptyChildNamespaces). Sockets of a deleted namespace must not be used
  /// any more.
  bool cleanup_empty_child_namespaces = false;
  /// How packets are encoded into Engine.IO messages and decoded from them (Node's `parser`): every
  /// client must use the same one (socket.io-msgpack-parser on the client for Parser::msgpack).
  Parser parser = Parser::json;
};

}  // namespace soket::socketio
