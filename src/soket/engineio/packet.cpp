#include "soket/engineio/packet.hpp"

#include "soket/util/base64.hpp"

namespace soket::engineio {

std::optional<PacketView> parse_text_packet(std::string_view text) {
  if (text.empty()) return std::nullopt;
  char t = text.front();
  if (t < '0' || t > '6') return std::nullopt;
  return PacketView{static_cast<PacketType>(t), text.substr(1), false};
}

std::optional<std::vector<PacketView>> parse_payload(std::string_view payload,
                                                     std::vector<std::string>& binary_storage) {
  std::vector<PacketView> packets;
  // Count binary packets first so storage never reallocates under the views handed out.
  std::size_t binaries = 0;
  for (std::size_t pos = 0; pos <= payload.size();) {
    auto end = payload.find(kRecordSeparator, pos);
    if (end == std::string_view::npos) end = payload.size();
    if (end > pos && payload[pos] == 'b') ++binaries;
    pos = end + 1;
  }
  binary_storage.clear();
  binary_storage.reserve(binaries);
  for (std::size_t pos = 0; pos <= payload.size();) {
    auto end = payload.find(kRecordSeparator, pos);
    if (end == std::string_view::npos) end = payload.size();
    std::string_view item = payload.substr(pos, end - pos);
    pos = end + 1;
    if (!append_payload_item(item, "b", packets, binary_storage)) return std::nullopt;
  }
  return packets;
}

bool append_payload_item(std::string_view item, std::string_view base64_prefix,
                         std::vector<PacketView>& packets,
                         std::vector<std::string>& binary_storage) {
  if (!base64_prefix.empty() && item.starts_with(base64_prefix.front())) {
    if (!item.starts_with(base64_prefix)) return false;
    auto decoded = base64::decode(item.substr(base64_prefix.size()));
    if (!decoded) return false;
    binary_storage.push_back(std::move(*decoded));
    packets.push_back({PacketType::message, binary_storage.back(), true});
    return true;
  }
  auto packet = parse_text_packet(item);
  if (!packet) return false;
  packets.push_back(*packet);
  return true;
}

void encode_payload(std::span<const Frame> frames, std::string& out) {
  bool first = true;
  for (const auto& frame : frames) {
    if (!first) out += kRecordSeparator;
    first = false;
    if (frame.binary) {
      out += 'b';
      base64::encode_append(*frame.bytes, out);
    } else {
      out += *frame.bytes;
    }
  }
}

std::string_view packet_type_name(PacketType type) {
  switch (type) {
    case PacketType::open:
      return "open";
    case PacketType::close:
      return "close";
    case PacketType::ping:
      return "ping";
    case PacketType::pong:
      return "pong";
    case PacketType::message:
      return "message";
    case PacketType::upgrade:
      return "upgrade";
    case PacketType::noop:
      return "noop";
  }
  return "unknown";
}

}  // namespace soket::engineio
