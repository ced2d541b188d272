#pragma once

#include <optional>
#include <string>
#include <vector>

#include "soket/socketio/options.hpp"
#include "soket/socketio/server.hpp"

namespace CLI {
class App;
}

namespace soket::examples {

/// The feature server's switches for the Engine.IO options and hooks (Node's transports, cors,
/// allowRequest, cookie, addTrailingSlash, generateId, engine.use, initial_headers/headers and
/// connection_error), each wired the way an application would use it.
struct EngineSwitches {
  std::vector<std::string> transports = {"polling", "websocket"};
  bool no_trailing_slash = false;
  std::vector<std::string> cors_origins = {"*"};
  std::vector<std::string> cors_origin_regexes;
  bool cors_origin_function = false;
  bool cors_credentials = false;
  std::vector<std::string> cors_methods;
  std::vector<std::string> cors_allowed_headers;
  int cors_max_age = -1;
  bool cookie = false;
  std::string cookie_name = "io";
  std::string cookie_path = "/";
  std::string cookie_same_site = "lax";
  std::string handshake_token;
  std::string session_ids;
  std::vector<std::string> initial_headers;
  std::vector<std::string> headers;
  std::string engine_require_cookie;
  bool log_connection_errors = false;
  bool remote_close = false;
};

void add_engine_options(CLI::App& app, EngineSwitches& switches);

/// Puts the switches into `options`; an error message when one of them is not valid.
std::optional<std::string> apply_engine_options(const EngineSwitches& switches,
                                                net::asio::io_context& io,
                                                socketio::ServerOptions& options);

/// The engine hooks of the switches (middleware, headers events, connection_error log), and the
/// events that show the engine's side: "handshake" acks the socket's handshake as Node builds it,
/// "close-server" (with --allow-remote-close) closes the Socket.IO server as io.close() does.
std::optional<std::string> setup_engine_hooks(const EngineSwitches& switches, socketio::Server& io);

}  // namespace soket::examples
