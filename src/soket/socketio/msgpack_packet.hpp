#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "soket/socketio/packet.hpp"

// The packet format of npm socket.io-msgpack-parser 3.x: the packet object {type, data, id, nsp}
// encoded with notepack into one binary Engine.IO message, binaries inline as msgpack bin.
namespace soket::socketio {

/// One binary frame holding the packet as a map with the keys in the order Node's server sets
/// them on an emit: type, data (unless null), id (when set), nsp. BINARY_EVENT / BINARY_ACK do not
/// exist in this format: a packet with attachments is an EVENT / ACK whose placeholders become bin
/// values. Throws std::invalid_argument for attachments on a packet that is not an event or ack.
EncodedPacket encode_msgpack(const Packet& packet);

/// Decodes one binary message as socket.io-msgpack-parser's Decoder checks it ("invalid packet
/// type", "invalid namespace", "invalid payload", "invalid packet id"), plus soket's own rules: the
/// event name rules of the JSON parser, binaries only in EVENT / ACK, placeholders that point to a
/// binary of the packet, non-negative ids, and the limits of `options`. Keys other than type, nsp,
/// data and id (the client's "options") are ignored; a nil data or id counts as absent (notepack's
/// undefined). On error returns nullopt and sets `error`.
std::optional<Packet> decode_msgpack(std::string_view bytes, const DecoderOptions& options,
                                     std::string& error);

}  // namespace soket::socketio
