#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

#include "soket/socketio/socket.hpp"

namespace soket::admin {

/// A socket as the admin UI lists it: {id, clientId, transport, nsp, data, handshake, rooms}
/// (the handshake without `auth`, which may hold credentials).
boost::json::object serialize_socket(socketio::Socket& socket);

/// The time now in milliseconds since the Unix epoch.
int64_t now_ms();
/// The time `ms` (since the epoch) as JavaScript's Date#toJSON() gives it, e.g.
/// "2024-05-01T12:00:00.000Z"; "" when no Date can hold it.
std::string iso_time(int64_t ms);

}  // namespace soket::admin
