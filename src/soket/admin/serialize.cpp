#include "soket/admin/serialize.hpp"

#include <boost/json/value_from.hpp>

#include <chrono>

#include "soket/socketio/namespace.hpp"
#include "soket/util/js_date.hpp"

namespace soket::admin {

boost::json::object serialize_socket(socketio::Socket& socket) {
  auto details = socket.nsp().adapter().details(socket);
  details.handshake.erase("auth");
  // The reference prefers the address a proxy saw.
  const auto& handshake = socket.handshake();
  if (auto forwarded = handshake.header("cf-connecting-ip")) {
    details.handshake["address"] = *forwarded;
  } else if (auto forwarded_for = handshake.header("x-forwarded-for")) {
    details.handshake["address"] = *forwarded_for;
  }
  boost::json::object object;
  object["id"] = socket.id();
  object["clientId"] = socket.connection_id().substr(0, 12);
  object["transport"] = socket.transport();
  object["nsp"] = socket.nsp().name();
  object["data"] = std::move(details.data);
  object["handshake"] = std::move(details.handshake);
  object["rooms"] = boost::json::value_from(details.rooms);
  return object;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso_time(int64_t ms) {
  return js_date_iso_string(static_cast<double>(ms)).value_or("");
}

}  // namespace soket::admin
