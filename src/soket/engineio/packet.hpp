#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "soket/engineio/frame.hpp"

namespace soket::engineio {

/// The type of an Engine.IO packet, as its first character on the wire.
enum class PacketType : char {
  open = '0',     ///< the handshake's answer: sid, upgrades, ping settings
  close = '1',    ///< the session ends
  ping = '2',     ///< heartbeat (v4: from the server; v3: from the client); also the upgrade probe
  pong = '3',     ///< the answer to a ping
  message = '4',  ///< application data (a Socket.IO packet)
  upgrade = '5',  ///< the client switches to the probed WebSocket
  noop = '6',     ///< nothing: answers a pending poll that must end (an upgrade, a close)
};

/// "open", "close", "ping", "pong", "message", "upgrade" or "noop" (for logs).
std::string_view packet_type_name(PacketType type);

/// A received Engine.IO packet. `data` views the input it was parsed from.
struct PacketView {
  PacketType type;        ///< what the packet is
  std::string_view data;  ///< its payload, after the type character (a view into the input)
  bool binary = false;    ///< a binary message (its bytes in `data`)
};

/// Parses one text packet ("4hello", "2probe"). Returns nullopt for an empty or unknown packet.
std::optional<PacketView> parse_text_packet(std::string_view text);

/// Appends one item of a polling payload to `packets`: a text packet, or, when `base64_prefix` is
/// non-empty and starts the item, a base64 binary message decoded into `binary_storage` (reserved
/// by the caller so the views handed out stay valid). Returns false if the item is malformed.
bool append_payload_item(std::string_view item, std::string_view base64_prefix,
                         std::vector<PacketView>& packets,
                         std::vector<std::string>& binary_storage);

/// The record separator that joins packets in an HTTP long-polling payload.
inline constexpr char kRecordSeparator = '\x1e';

/// Decodes a long-polling payload. Binary packets ("b" + base64) are decoded into `binary_storage`
/// (which must outlive the result). Returns nullopt if any packet is malformed.
std::optional<std::vector<PacketView>> parse_payload(std::string_view payload,
                                                     std::vector<std::string>& binary_storage);

/// Appends the long-polling encoding of `frames` to `out`: text frames as they are, binary frames
/// as "b" + base64, joined by the record separator.
void encode_payload(std::span<const Frame> frames, std::string& out);

}  // namespace soket::engineio
