#pragma once

#include <boost/json/value.hpp>

#include <cstddef>

#include "soket/socketio/packet.hpp"

// What a decoded packet must look like, whichever parser read it (internal to socketio).
namespace soket::socketio {

/// Whether `payload` fits a packet of `type` as the reference parser checks it: an object for
/// CONNECT, a string or object for CONNECT_ERROR, a named event array for EVENT (reserved names
/// refused), an array for ACK; DISCONNECT carries none.
bool is_payload_valid(PacketType type, const boost::json::value& payload);

/// False when some object marked {"_placeholder":true} has a num that is not an attachment index.
bool placeholders_valid(const boost::json::value& value, std::size_t attachment_count);

}  // namespace soket::socketio
