#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "soket/util/utf8.hpp"

namespace soket::engineio {

/// Close codes the reader fails with (RFC 6455 §7.4.1).
namespace close_code {
constexpr uint16_t normal = 1000;           ///< normal closure
constexpr uint16_t going_away = 1001;       ///< the endpoint is going away (server shutdown)
constexpr uint16_t protocol_error = 1002;   ///< the peer broke the WebSocket protocol
constexpr uint16_t no_status = 1005;        ///< never sent: "the close frame had no code"
constexpr uint16_t invalid_payload = 1007;  ///< a text message was not valid UTF-8
constexpr uint16_t too_big = 1009;          ///< a message passed the size limit
}  // namespace close_code

/// Receives what the reader finds. A callback returns false to stop parsing (the connection is
/// gone); the bytes it is given are only valid during the call.
class WsFrameSink {
 public:
  /// `compressed`: the message had RSV1 set (permessage-deflate); its text is not checked yet.
  virtual bool on_ws_message(std::string_view data, bool binary, bool compressed) = 0;
  /// A ping frame arrived with `payload`; the sink answers it with a pong.
  virtual bool on_ws_ping(std::string_view payload) = 0;
  /// `code` is close_code::no_status when the frame carried none.
  virtual bool on_ws_close_frame(uint16_t code, std::string_view reason) = 0;

 protected:
  ~WsFrameSink() = default;
};

/// Parses the frames a client sends (RFC 6455 §5): checks masking, opcodes, the rules for control
/// frames and fragments, the message size limit and UTF-8 of text; unmasks in place and joins
/// fragmented messages. Unfragmented messages are handed over where they lie, without a copy.
class WsFrameReader {
 public:
  /// A reader that refuses messages longer than `max_message_size` bytes (close code too_big).
  explicit WsFrameReader(std::size_t max_message_size) : max_message_size_(max_message_size) {}

  /// permessage-deflate was agreed: RSV1 on the first frame of a data message marks it compressed.
  /// Without it, as on control frames and continuations, RSV1 is a protocol error.
  void allow_compressed(bool allow) { allow_compressed_ = allow; }

  /// What parse() did.
  struct Result {
    std::size_t consumed = 0;  ///< bytes of whole frames handled (or skipped after stopping)
    uint16_t error = 0;        ///< a close code when the input broke the protocol, else 0
    bool stopped = false;      ///< a callback returned false
  };

  /// Handles every whole frame at the start of `data`, which it may modify (unmasking). Leaves an
  /// incomplete frame at the end for the next call, with its bytes and more.
  Result parse(char* data, std::size_t size, WsFrameSink& sink);

  /// The total size of the frame starting at `data` once its header is complete, else 0.
  static std::size_t frame_size(const char* data, std::size_t size);

  /// The size limit of a message, whole or in pieces.
  std::size_t max_message_size() const { return max_message_size_; }

 private:
  // A message being received in pieces; made by its first frame, so that a connection keeps one
  // pointer for this, not ~50 bytes.
  struct Fragments {
    std::string bytes;
    Utf8Validator utf8;
    bool binary = false;
    bool compressed = false;
  };
  std::unique_ptr<Fragments> fragments_;
  std::size_t max_message_size_;
  bool allow_compressed_ = false;
};

}  // namespace soket::engineio
