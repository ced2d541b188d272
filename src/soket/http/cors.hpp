#pragma once

#include <string>
#include <vector>

#include "soket/http/types.hpp"

namespace soket::http {

/// Cross-origin settings, as the `cors` option of the reference server.
struct CorsOptions {
  bool enabled = false;
  std::vector<std::string> origins;  // "*" allows any origin
  bool credentials = false;
  std::vector<std::string> methods = {"GET", "POST"};
  std::vector<std::string> allowed_headers;  // empty: echo Access-Control-Request-Headers
  int max_age_seconds = -1;
};

/// Adds the Access-Control-* headers that `request` calls for to `response`.
void apply_cors(const CorsOptions& options, const Request& request, Response& response);

/// True for a CORS preflight (OPTIONS with Access-Control-Request-Method).
bool is_preflight(const Request& request);

/// The 204 answer to a preflight.
Response preflight_response(const CorsOptions& options, const Request& request);

}  // namespace soket::http
