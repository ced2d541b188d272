#include "soket/http/cors.hpp"

#include <algorithm>

namespace soket::http {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

bool listed(const CorsOptions& options, std::string_view origin) {
  if (std::find(options.origins.begin(), options.origins.end(), origin) != options.origins.end())
    return true;
  std::string text(origin);
  return std::any_of(options.origin_patterns.begin(), options.origin_patterns.end(),
                     [&](const std::regex& pattern) { return std::regex_search(text, pattern); });
}

}  // namespace

std::string_view request_origin(const Request& request) {
  auto it = request.find(Field::origin);
  return it == request.end() ? std::string_view{} : std::string_view(it->value());
}

void apply_cors(const CorsOptions& options, const Request& request, Response& response) {
  if (!options.enabled || options.origin_function) return;
  std::string_view origin = request_origin(request);
  bool any =
      std::find(options.origins.begin(), options.origins.end(), "*") != options.origins.end();
  if (any && !options.credentials) {
    response.set(Field::access_control_allow_origin, "*");
  } else if (!origin.empty() && (any || listed(options, origin))) {
    // A credentialed request may not use "*": reflect the allowed origin instead.
    response.set(Field::access_control_allow_origin, origin);
    response.set(Field::vary, "Origin");
  } else {
    return;
  }
  if (options.credentials) response.set(Field::access_control_allow_credentials, "true");
}

void decided_cors_headers(const CorsOptions& options, std::string_view origin, bool allowed,
                          HeaderList& out) {
  if (!allowed || origin.empty()) return;
  out.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  out.emplace_back("Vary", "Origin");
  if (options.credentials) out.emplace_back("Access-Control-Allow-Credentials", "true");
}

bool is_preflight(const Request& request) {
  return request.method() == Verb::options &&
         request.find(Field::access_control_request_method) != request.end();
}

Response preflight_response(const CorsOptions& options, const Request& request) {
  Response res{Status::no_content, request.version()};
  res.keep_alive(request.keep_alive());
  apply_cors(options, request, res);
  res.set(Field::access_control_allow_methods, join(options.methods));
  if (!options.allowed_headers.empty()) {
    res.set(Field::access_control_allow_headers, join(options.allowed_headers));
  } else if (auto it = request.find(Field::access_control_request_headers); it != request.end()) {
    res.set(Field::access_control_allow_headers, it->value());
    auto vary = res.find(Field::vary);
    res.set(Field::vary, vary == res.end()
                             ? std::string("Access-Control-Request-Headers")
                             : std::string(vary->value()) + ", Access-Control-Request-Headers");
  }
  if (options.max_age_seconds >= 0)
    res.set(Field::access_control_max_age, std::to_string(options.max_age_seconds));
  res.content_length(0);
  return res;
}

}  // namespace soket::http
