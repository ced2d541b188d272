#include "soket/hub/rest_reply.hpp"

#include <boost/json/object.hpp>

#include <string>

#include "soket/util/json_text.hpp"

namespace soket::hub::rest {

http::Response error(const http::Request& req, http::Status status, std::string_view code,
                     std::string_view message) {
  boost::json::object body{{"error", boost::json::object{{"code", code}, {"message", message}}}};
  return http::json_response(req, status, json_text::to_json(body));
}

http::Response ok(const http::Request& req, http::Status status, const boost::json::value& v) {
  return http::json_response(req, status, json_text::to_json(v));
}

std::optional<std::int64_t> int_param(const http::Target& target, const std::string& name,
                                      std::int64_t fallback) {
  const std::string* v = target.param(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    std::int64_t n = std::stoll(*v, &used);
    if (used != v->size()) return std::nullopt;
    return n;
  } catch (...) {
    return std::nullopt;
  }
}

std::string csv_escape(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace soket::hub::rest
