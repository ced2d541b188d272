#pragma once

#include <filesystem>
#include <string>

#include "soket/http/server.hpp"

namespace soket::admin {

/// Serves the admin UI's built files (npm `@socket.io/admin-ui`'s ui/dist) at `mount` + "/"
/// ("/admin/"); `mount` alone redirects there, as the page's links are relative.
void serve_ui(http::Server& http, std::filesystem::path dist, std::string mount = "/admin");

}  // namespace soket::admin
