// Engine.IO v3 (allowEIO3) long-polling payloads from the client: the text form
// ("<utf-16 length>:<packet>", "b4" + base64) and the binary form (a POST of octet-stream).
// Byte 0 picks the form.
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "soket/engineio/payload_v3.hpp"

using namespace soket;
using namespace soket::engineio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view payload = fuzz::as_view(data + 1, size - 1);
  if (data[0] & 1) {
    if (auto packets = parse_binary_payload_v3(payload)) {
      for (const auto& p : *packets)
        if (p.binary) FUZZ_CHECK(p.type == PacketType::message);
    }
  } else {
    std::vector<std::string> storage;
    if (auto packets = parse_payload_v3(payload, storage)) {
      for (const auto& p : *packets)
        if (p.binary) FUZZ_CHECK(p.type == PacketType::message);
    }
  }
  (void)utf16_length(payload);
  return 0;
}
