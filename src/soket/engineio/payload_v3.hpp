#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "soket/engineio/frame.hpp"
#include "soket/engineio/packet.hpp"

namespace soket::engineio {

/// Engine.IO v3 (allowEIO3) long-polling payloads, as the reference's parser-v3:
///  - text: each packet as `<length>:<packet>`, the length counted in UTF-16 code units (what a
///    JavaScript string's length is); a binary packet as "b4" + base64; an empty payload is "0:".
///  - binary (clients that support binary, when a binary packet is in the payload): each packet as
///    `<0 string | 1 binary> <length as one byte per decimal digit> 0xFF <bytes>`, with strings in
///    UTF-8 and counted in bytes, and binary packets led by their type byte.

/// How many UTF-16 code units the UTF-8 text `utf8` makes.
std::size_t utf16_length(std::string_view utf8);

/// Decodes a v3 text payload; binary packets ("b4...") are decoded into `binary_storage` (which
/// must outlive the result). Returns nullopt if the payload is malformed.
std::optional<std::vector<PacketView>> parse_payload_v3(std::string_view payload,
                                                        std::vector<std::string>& binary_storage);

/// Decodes a v3 binary payload (a POST of application/octet-stream). Returns nullopt if malformed.
std::optional<std::vector<PacketView>> parse_binary_payload_v3(std::string_view payload);

/// Appends the v3 encoding of `frames` to `out`: the binary form when `supports_binary` and a
/// frame is binary, else the text form. Returns true when it wrote the binary form.
bool encode_payload_v3(std::span<const Frame> frames, bool supports_binary, std::string& out);

/// Appends one text packet ("6", "1", an open packet) as a v3 text payload.
void encode_text_packet_v3(std::string_view packet, std::string& out);

}  // namespace soket::engineio
