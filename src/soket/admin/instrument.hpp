#pragma once

#include "soket/admin/options.hpp"
#include "soket/socketio/server.hpp"

namespace soket::admin {

/// Makes `io` visible to the official Socket.IO admin UI (npm `@socket.io/admin-ui` 0.5), as Node's
/// `instrument(io, options)` does: the UI connects to the namespace `options.namespace_name`, gets
/// "config", "server_stats" every 2 s and, in development mode, "all_sockets" and a live stream of
/// every namespace's sockets, rooms and events; unless readonly, it may make sockets join or leave
/// rooms, disconnect them, or emit to them. Lives as long as `io`.
///
/// Throws std::invalid_argument when `options.auth` holds no valid bcrypt hash.
void instrument(socketio::Server& io, AdminOptions options);

}  // namespace soket::admin
