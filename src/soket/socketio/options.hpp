#pragma once

#include <chrono>
#include <optional>

#include "soket/engineio/options.hpp"
#include "soket/socketio/adapter.hpp"

namespace soket::socketio {

/// Connection state recovery (the reference's `connectionStateRecovery`): a client that loses its
/// connection and comes back within max_disconnection_duration gets the same socket id, its rooms,
/// its data and every packet it missed.
struct ConnectionStateRecoveryOptions {
  /// How long the sessions and the packets are kept.
  std::chrono::milliseconds max_disconnection_duration{120000};
  /// Whether a recovered socket skips the namespace's middlewares.
  bool skip_middlewares = true;
};

struct ServerOptions {
  engineio::ServerOptions engine = [] {
    engineio::ServerOptions o;
    o.path = "/socket.io/";
    return o;
  }();
  /// A connection that joins no namespace within this time is closed.
  std::chrono::milliseconds connect_timeout{45000};
  /// Serve the official browser client at <path>socket.io.js (and .min.js, .js.map).
  bool serve_client = true;
  /// Makes the adapter of each namespace, the main one included; empty: InMemoryAdapter.
  AdapterFactory adapter;
  /// Off when empty.
  std::optional<ConnectionStateRecoveryOptions> connection_state_recovery;
};

}  // namespace soket::socketio
