#pragma once

#include <string_view>

#include "soket/http/server.hpp"

namespace soket::socketio {

/// Serves the official browser client (npm socket.io-client, built into the binary) as the
/// reference server does: `<path>socket.io.js`, socket.io.min.js, socket.io.esm.min.js,
/// socket.io.msgpack.min.js and the .map of each, with an ETag (304 on If-None-Match).
void serve_client_assets(http::Server& http, std::string_view path);

}  // namespace soket::socketio
