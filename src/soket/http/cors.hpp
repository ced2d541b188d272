#pragma once

#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "soket/http/types.hpp"

namespace soket::http {

/// The answer of an origin function: done(std::nullopt, allowed), or done("why", false) when the
/// decision itself failed (the request is then refused with a 400).
using OriginCallback = std::function<void(std::optional<std::string> error, bool allowed)>;
/// Decides whether a request's Origin may use the server (the `cors` module's origin function).
/// It may answer at once or later; later answers must come on the server's io thread or be
/// posted to it (the engine posts them).
using OriginFunction = std::function<void(std::string_view origin, OriginCallback done)>;

/// Cross-origin settings, as the `cors` option of the reference server. An origin is allowed when
/// it is in `origins` ("*" allows any), when one of `origin_patterns` matches somewhere in it (as a
/// JavaScript RegExp's test()), or, when `origin_function` is set, when the function says so (then
/// the lists are not used). An allowed origin gets Access-Control-Allow-Origin; a refused one gets
/// no CORS headers at all, and the browser then refuses the answer.
struct CorsOptions {
  /// Whether CORS headers are sent at all.
  bool enabled = false;
  /// Allowed origins, exactly ("*": any).
  std::vector<std::string> origins;
  /// Allowed origins, as patterns.
  std::vector<std::regex> origin_patterns;
  /// Decides per origin, when set.
  OriginFunction origin_function;
  /// Access-Control-Allow-Credentials.
  bool credentials = false;
  /// Access-Control-Allow-Methods.
  std::vector<std::string> methods = {"GET", "POST"};
  std::vector<std::string> allowed_headers;  ///< empty: echo Access-Control-Request-Headers
  /// Access-Control-Max-Age in seconds (-1: not sent).
  int max_age_seconds = -1;
};

/// Adds the Access-Control-* headers that `request` calls for to `response`, by the lists and
/// patterns. Does nothing when an origin function decides (see decided_cors_headers).
void apply_cors(const CorsOptions& options, const Request& request, Response& response);

/// The Access-Control-* headers for a request whose `origin` the origin function allowed or not.
void decided_cors_headers(const CorsOptions& options, std::string_view origin, bool allowed,
                          HeaderList& out);

/// The request's Origin header, or "" when it has none.
std::string_view request_origin(const Request& request);

/// True for a CORS preflight (OPTIONS with Access-Control-Request-Method).
bool is_preflight(const Request& request);

/// The 204 answer to a preflight.
Response preflight_response(const CorsOptions& options, const Request& request);

}  // namespace soket::http
