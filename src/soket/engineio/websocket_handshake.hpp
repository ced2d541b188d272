#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "soket/http/types.hpp"

namespace soket::engineio {

/// The server side of the WebSocket opening handshake (RFC 6455 §4.2), for a request that
/// http::Exchange::is_websocket_upgrade() accepted (GET, HTTP/1.1, Connection: upgrade, Upgrade:
/// websocket). Written here rather than left to Beast's accept so that the 101 answer is queued
/// on the connection like a frame and leaves in one write with the first Engine.IO packet.

/// Why `request` cannot be answered with a 101 (a missing or malformed Sec-WebSocket-Key, a
/// Sec-WebSocket-Version other than 13), or nullopt when it can.
std::optional<std::string_view> websocket_upgrade_error(const http::Request& request);

/// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(SHA-1(key + RFC 6455's GUID)).
std::string websocket_accept_key(std::string_view key);

/// The whole 101 answer (status line and headers) to `request`, which websocket_upgrade_error()
/// found valid, with `extra_headers` and, when not empty, the agreed Sec-WebSocket-Extensions.
std::string websocket_upgrade_response(const http::Request& request,
                                       const http::HeaderList& extra_headers,
                                       std::string_view extensions);

}  // namespace soket::engineio
