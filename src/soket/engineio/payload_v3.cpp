#include "soket/engineio/payload_v3.hpp"

#include <charconv>

#include "soket/util/base64.hpp"

namespace soket::engineio {
namespace {

constexpr std::size_t kMaxLengthDigits = 10;  // more than any payload maxPayload allows

// The UTF-16 code units of the sequence led by `lead`: 2 for a 4-byte sequence (a surrogate
// pair), 0 for a continuation byte, else 1.
std::size_t utf16_units(unsigned char lead) {
  if ((lead & 0xC0) == 0x80) return 0;
  return lead >= 0xF0 ? 2 : 1;
}

// Advances `pos` over `units` UTF-16 code units of `text`; false if the text ends first or the
// count would split a surrogate pair.
bool skip_utf16_units(std::string_view text, std::size_t& pos, std::size_t units) {
  while (units > 0) {
    if (pos >= text.size()) return false;
    std::size_t u = utf16_units(static_cast<unsigned char>(text[pos]));
    if (u > units) return false;
    units -= u;
    ++pos;
  }
  // Take the continuation bytes of the last character too.
  while (pos < text.size() && utf16_units(static_cast<unsigned char>(text[pos])) == 0)
    ++pos;
  return true;
}

void append_binary_length(std::size_t length, std::string& out) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, length).ptr;
  for (const char* d = digits; d != end; ++d)
    out += static_cast<char>(*d - '0');
  out += static_cast<char>(0xFF);
}

}  // namespace

std::size_t utf16_length(std::string_view utf8) {
  std::size_t n = 0;
  for (char c : utf8)
    n += utf16_units(static_cast<unsigned char>(c));
  return n;
}

std::optional<std::vector<PacketView>> parse_payload_v3(std::string_view payload,
                                                        std::vector<std::string>& binary_storage) {
  if (payload.empty()) return std::nullopt;
  // Count binary packets first so storage never reallocates under the views handed out; an
  // upper bound (every ":b") is enough.
  std::size_t binaries = 0;
  for (auto p = payload.find(":b"); p != std::string_view::npos; p = payload.find(":b", p + 2))
    ++binaries;
  binary_storage.clear();
  binary_storage.reserve(binaries);
  std::vector<PacketView> packets;
  std::size_t pos = 0;
  while (pos < payload.size()) {
    auto colon = payload.find(':', pos);
    if (colon == std::string_view::npos || colon == pos || colon - pos > kMaxLengthDigits)
      return std::nullopt;
    std::size_t units = 0;
    auto [end, ec] = std::from_chars(payload.data() + pos, payload.data() + colon, units);
    if (ec != std::errc() || end != payload.data() + colon) return std::nullopt;
    std::size_t start = colon + 1;
    std::size_t stop = start;
    if (!skip_utf16_units(payload, stop, units)) return std::nullopt;
    std::string_view item = payload.substr(start, stop - start);
    pos = stop;
    if (item.empty()) continue;
    if (!append_payload_item(item, "b4", packets, binary_storage)) return std::nullopt;
  }
  return packets;
}

std::optional<std::vector<PacketView>> parse_binary_payload_v3(std::string_view payload) {
  std::vector<PacketView> packets;
  std::size_t pos = 0;
  while (pos < payload.size()) {
    auto kind = static_cast<unsigned char>(payload[pos++]);
    if (kind > 1) return std::nullopt;
    std::size_t length = 0;
    std::size_t digits = 0;
    while (pos < payload.size() && static_cast<unsigned char>(payload[pos]) != 0xFF) {
      auto d = static_cast<unsigned char>(payload[pos++]);
      if (d > 9 || ++digits > kMaxLengthDigits) return std::nullopt;
      length = length * 10 + d;
    }
    if (pos >= payload.size() || digits == 0) return std::nullopt;
    ++pos;  // 0xFF
    if (length == 0 || payload.size() - pos < length) return std::nullopt;
    std::string_view item = payload.substr(pos, length);
    pos += length;
    if (kind == 0) {
      auto packet = parse_text_packet(item);
      if (!packet) return std::nullopt;
      packets.push_back(*packet);
    } else {
      if (item.front() != static_cast<char>(4)) return std::nullopt;  // only messages are binary
      packets.push_back({PacketType::message, item.substr(1), true});
    }
  }
  if (packets.empty()) return std::nullopt;
  return packets;
}

void encode_text_packet_v3(std::string_view packet, std::string& out) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, utf16_length(packet)).ptr;
  out.append(digits, end);
  out += ':';
  out += packet;
}

bool encode_payload_v3(std::span<const Frame> frames, bool supports_binary, std::string& out) {
  bool any_binary = false;
  for (const auto& frame : frames)
    any_binary = any_binary || frame.binary;
  if (supports_binary && any_binary) {
    for (const auto& frame : frames) {
      const std::string_view bytes = *frame.bytes;
      if (frame.binary) {
        out += static_cast<char>(1);
        append_binary_length(bytes.size() + 1, out);
        out += static_cast<char>(4);
      } else {
        out += static_cast<char>(0);
        append_binary_length(bytes.size(), out);
      }
      out += bytes;
    }
    return true;
  }
  if (frames.empty()) {
    out += "0:";
    return false;
  }
  std::string b64;
  for (const auto& frame : frames) {
    if (!frame.binary) {
      encode_text_packet_v3(*frame.bytes, out);
      continue;
    }
    b64.assign("b4");
    base64::encode_append(*frame.bytes, b64);
    encode_text_packet_v3(b64, out);
  }
  return false;
}

}  // namespace soket::engineio
