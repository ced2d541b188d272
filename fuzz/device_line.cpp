// The device line protocol (TCP 2004 and UDP 2004): the byte stream framed into messages by
// newline or idle gap, each parsed as HELLO, readings, JSON, a reply or free text.
// Byte 0 picks the read size and where idle gaps fall; the rest is the stream.
#include <cmath>
#include <string>

#include "fuzz_common.hpp"
#include "soket/gateway/device_message.hpp"
#include "soket/gateway/line_framer.hpp"
#include "soket/gateway/text_check.hpp"

using namespace soket;
using namespace soket::gateway;

namespace {

void check_message(std::string_view line) {
  auto result = parse_device_message(line);
  if (!result.ok()) {
    // Sent back as "ERR <reason>": one line of printable text.
    FUZZ_CHECK(!text_problem(result.error));
    FUZZ_CHECK(result.error.find('\n') == std::string::npos);
    return;
  }
  const DeviceMessage& m = result.message;
  FUZZ_CHECK(m.raw == line);
  switch (m.kind) {
    case DeviceMessageKind::hello:
      FUZZ_CHECK(is_valid_device_id(m.device_id));
      FUZZ_CHECK(m.token.size() <= kMaxTokenLength);
      break;
    case DeviceMessageKind::readings:
    case DeviceMessageKind::json:
      for (const auto& r : m.readings) {
        FUZZ_CHECK(is_valid_reading_key(r.key));
        FUZZ_CHECK(std::isfinite(r.value));
      }
      break;
    case DeviceMessageKind::reply:
      FUZZ_CHECK(!text_problem(m.reply_detail));
      break;
    case DeviceMessageKind::text:
      FUZZ_CHECK(!m.text.empty() && !text_problem(m.text));
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0];
  std::string_view stream = fuzz::as_view(data + 1, size - 1);

  // UDP: the whole datagram is one message.
  check_message(stream);

  // TCP: framed, with a small line limit so over-long lines happen.
  constexpr std::size_t kMaxLine = 96;
  LineFramer framer(kMaxLine);
  auto on_line = [](std::string_view line, LineEnd) {
    FUZZ_CHECK(line.size() <= kMaxLine);
    FUZZ_CHECK(line.find('\n') == std::string_view::npos);
    check_message(line);
    return true;
  };
  auto on_overflow = [] { return true; };
  std::size_t step = 1 + (mode & 0x1f);
  bool idle_gaps = mode & 0x20;
  for (std::size_t pos = 0; pos < stream.size(); pos += step) {
    framer.feed(stream.substr(pos, step), on_line, on_overflow);
    if (idle_gaps && (pos / step) % 3 == 2) framer.flush(on_line);
  }
  framer.flush(on_line);
  FUZZ_CHECK(!framer.pending());
  return 0;
}
