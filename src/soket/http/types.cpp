#include "soket/http/types.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace soket::http {

Response text_response(const Request& req, Status status, std::string body,
                       std::string_view content_type) {
  Response res{status, req.version()};
  res.set(Field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(const Request& req, Status status, std::string body) {
  return text_response(req, status, std::move(body), "application/json");
}

Response json_error(const Request& req, Status status, int code, std::string_view message) {
  boost::json::object o;
  o["code"] = code;
  o["message"] = message;
  return json_response(req, status, boost::json::serialize(o));
}

}  // namespace soket::http
