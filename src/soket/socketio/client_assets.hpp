#pragma once

#include <string_view>

#include "soket/http/server.hpp"

namespace soket::socketio {

/// Serves the official browser client (npm socket.io-client, built into the binary) at
/// <path>socket.io.js, socket.io.min.js and their source maps, as the reference server does.
void serve_client_assets(http::Server& http, std::string_view path);

}  // namespace soket::socketio
