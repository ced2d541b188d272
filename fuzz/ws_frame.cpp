// WebSocket frames from a client (soket's own reader, RFC 6455 §5), fed in pieces as they arrive
// from the socket, and the permessage-deflate inflate of the compressed messages it finds.
// Input: byte 0 picks the options (compression agreed, piece size), the rest is the wire.
#include <string>

#include "fuzz_common.hpp"
#include "soket/engineio/deflate.hpp"
#include "soket/engineio/ws_frame_reader.hpp"
#include "soket/util/utf8.hpp"

using namespace soket;
using namespace soket::engineio;

namespace {

constexpr std::size_t kMaxMessage = 64 * 1024;

struct Sink : WsFrameSink {
  PerMessageDeflate* deflate = nullptr;
  std::string inflated;
  bool on_ws_message(std::string_view data, bool binary, bool compressed) override {
    FUZZ_CHECK(data.size() <= kMaxMessage);
    if (compressed) {
      FUZZ_CHECK(deflate != nullptr);
      auto result = deflate->inflate(data, kMaxMessage, inflated);
      if (result == PerMessageDeflate::InflateResult::ok) {
        FUZZ_CHECK(inflated.size() <= kMaxMessage);
        if (!binary) (void)is_valid_utf8(inflated);
      }
    } else if (!binary) {
      FUZZ_CHECK(is_valid_utf8(data));  // the reader checks the text of plain messages
    }
    return true;
  }
  bool on_ws_ping(std::string_view payload) override {
    FUZZ_CHECK(payload.size() <= 125);
    return true;
  }
  bool on_ws_close_frame(uint16_t, std::string_view reason) override {
    FUZZ_CHECK(is_valid_utf8(reason));
    return false;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0];
  std::string_view wire = fuzz::as_view(data + 1, size - 1);

  bool compression = mode & 1;
  DeflateParams params;
  params.client_no_context_takeover = mode & 2;
  params.client_max_window_bits = 9 + (mode >> 2) % 7;
  PerMessageDeflate deflate(params);
  Sink sink;
  if (compression) sink.deflate = &deflate;

  WsFrameReader reader(kMaxMessage);
  reader.allow_compressed(compression);
  std::size_t step = 1 + (mode >> 5) * 7;  // 1..50 bytes per read
  std::string pending;
  for (std::size_t pos = 0; pos < wire.size(); pos += step) {
    pending.append(wire.substr(pos, step));
    auto result = reader.parse(pending.data(), pending.size(), sink);
    FUZZ_CHECK(result.consumed <= pending.size());
    if (result.error || result.stopped) return 0;
    pending.erase(0, result.consumed);
  }
  return 0;
}
