#include "soket/engineio/ws_frame_reader.hpp"

#include <cstring>

namespace soket::engineio {
namespace {

enum Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

struct Header {
  bool fin;
  uint8_t rsv;
  uint8_t opcode;
  bool masked;
  uint64_t payload_size;
  std::size_t header_size;
  uint8_t mask[4];
};

// Reads the header at `data`; false when it is not all there yet.
bool read_header(const char* data, std::size_t size, Header& h) {
  if (size < 2) return false;
  auto b0 = static_cast<uint8_t>(data[0]);
  auto b1 = static_cast<uint8_t>(data[1]);
  h.fin = (b0 & 0x80) != 0;
  h.rsv = b0 & 0x70;
  h.opcode = b0 & 0x0F;
  h.masked = (b1 & 0x80) != 0;
  uint64_t len = b1 & 0x7F;
  std::size_t pos = 2;
  if (len == 126) {
    if (size < 4) return false;
    len =
        (static_cast<uint64_t>(static_cast<uint8_t>(data[2])) << 8) | static_cast<uint8_t>(data[3]);
    pos = 4;
  } else if (len == 127) {
    if (size < 10) return false;
    len = 0;
    for (int i = 0; i < 8; ++i)
      len = (len << 8) | static_cast<uint8_t>(data[2 + i]);
    pos = 10;
  }
  if (h.masked) {
    if (size < pos + 4) return false;
    std::memcpy(h.mask, data + pos, 4);
    pos += 4;
  }
  h.payload_size = len;
  h.header_size = pos;
  return true;
}

void unmask(char* data, std::size_t size, const uint8_t mask[4]) {
  uint64_t key;
  uint8_t key_bytes[8];
  for (int i = 0; i < 8; ++i)
    key_bytes[i] = mask[i % 4];
  std::memcpy(&key, key_bytes, 8);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    word ^= key;
    std::memcpy(data + i, &word, 8);
  }
  for (; i < size; ++i)
    data[i] = static_cast<char>(data[i] ^ mask[i % 4]);
}

bool is_valid_close_code(uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011);
}

}  // namespace

std::size_t WsFrameReader::frame_size(const char* data, std::size_t size) {
  Header h;
  if (!read_header(data, size, h)) return 0;
  return h.header_size + h.payload_size;
}

WsFrameReader::Result WsFrameReader::parse(char* data, std::size_t size, WsFrameSink& sink) {
  Result result;
  auto fail = [&](uint16_t code) {
    result.error = code;
    return result;
  };
  while (result.consumed < size) {
    char* frame = data + result.consumed;
    std::size_t available = size - result.consumed;
    Header h;
    if (!read_header(frame, available, h)) break;
    // Checks that need only the header come first, so a bad frame is refused before its payload.
    if (!h.masked) return fail(close_code::protocol_error);  // clients must mask (§5.1)
    bool control = (h.opcode & 0x8) != 0;
    // RSV1 marks a compressed message: only with permessage-deflate, only on the first frame of a
    // data message (RFC 7692 §6). RSV2 and RSV3 belong to no extension of ours.
    bool compressed = h.rsv == 0x40;
    if (h.rsv != 0 && (!compressed || !allow_compressed_ || control || h.opcode == kContinuation))
      return fail(close_code::protocol_error);
    if (control) {
      if (!h.fin || h.payload_size > 125) return fail(close_code::protocol_error);
      if (h.opcode != kClose && h.opcode != kPing && h.opcode != kPong)
        return fail(close_code::protocol_error);
    } else {
      if (h.opcode != kContinuation && h.opcode != kText && h.opcode != kBinary)
        return fail(close_code::protocol_error);
      if ((h.opcode == kContinuation) != (fragments_ != nullptr))
        return fail(close_code::protocol_error);
      uint64_t so_far = h.opcode == kContinuation ? fragments_->bytes.size() : 0;
      if (h.payload_size > max_message_size_ || so_far + h.payload_size > max_message_size_)
        return fail(close_code::too_big);
    }
    if (available - h.header_size < h.payload_size) break;

    char* payload = frame + h.header_size;
    auto payload_size = static_cast<std::size_t>(h.payload_size);
    unmask(payload, payload_size, h.mask);
    result.consumed += h.header_size + payload_size;
    std::string_view bytes(payload, payload_size);
    bool go_on = true;

    switch (h.opcode) {
      case kText:
      case kBinary:
        if (h.fin) {
          if (h.opcode == kText && !compressed && !is_valid_utf8(bytes))
            return fail(close_code::invalid_payload);
          go_on = sink.on_ws_message(bytes, h.opcode == kBinary, compressed);
          break;
        }
        fragments_ = std::make_unique<Fragments>();
        fragments_->binary = h.opcode == kBinary;
        fragments_->compressed = compressed;
        fragments_->bytes.assign(bytes);
        if (!fragments_->binary && !compressed && !fragments_->utf8.feed(bytes))
          return fail(close_code::invalid_payload);
        break;
      case kContinuation: {
        auto& f = *fragments_;
        bool check_utf8 = !f.binary && !f.compressed;
        f.bytes.append(bytes);
        if (check_utf8 && !f.utf8.feed(bytes)) return fail(close_code::invalid_payload);
        if (h.fin) {
          if (check_utf8 && !f.utf8.complete()) return fail(close_code::invalid_payload);
          auto whole = std::move(fragments_);
          go_on = sink.on_ws_message(whole->bytes, whole->binary, whole->compressed);
        }
        break;
      }
      case kPing:
        go_on = sink.on_ws_ping(bytes);
        break;
      case kPong:
        break;  // we never ping at the WebSocket level; an unsolicited pong is allowed (§5.5.3)
      case kClose: {
        if (payload_size == 1) return fail(close_code::protocol_error);
        uint16_t code = close_code::no_status;
        std::string_view reason;
        if (payload_size >= 2) {
          code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                       static_cast<uint8_t>(payload[1]));
          reason = bytes.substr(2);
          if (!is_valid_close_code(code)) return fail(close_code::protocol_error);
          if (!is_valid_utf8(reason)) return fail(close_code::invalid_payload);
        }
        sink.on_ws_close_frame(code, reason);
        result.stopped = true;  // nothing after a close frame is read
        return result;
      }
    }
    if (!go_on) {
      result.stopped = true;
      return result;
    }
  }
  return result;
}

}  // namespace soket::engineio
