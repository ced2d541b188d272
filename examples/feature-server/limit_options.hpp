#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>

#include "soket/http/server.hpp"
#include "soket/socketio/server.hpp"

namespace soket::examples {

/// The limits against abuse as flags (docs/limits.md); 0 = the library's default, or no limit
/// where the default is none.
struct LimitSwitches {
  std::size_t max_connections = 0;
  std::size_t max_connections_per_address = 0;
  int64_t header_timeout_ms = 0;
  int64_t request_timeout_ms = 0;
  std::size_t max_header_count = 0;
  std::size_t max_url_length = 0;
  std::size_t max_http_buffer_size = 0;
  int64_t connect_timeout_ms = 0;
  int64_t upgrade_timeout_ms = 0;
  double events_per_second = 0;
  double event_burst = 0;
};

void add_limit_options(CLI::App& app, LimitSwitches& switches);
/// Sets the HTTP limits (before listen()) and the Engine.IO/Socket.IO ones.
void apply_limit_options(const LimitSwitches& switches, http::Server& http,
                         socketio::ServerOptions& options);
/// GET /limits: what the limits turned away so far, as JSON (the tests read it).
void serve_limit_stats(http::Server& http, const socketio::Server& io);

}  // namespace soket::examples
