// Engine.IO v4: one packet of a WebSocket text message, and a long-polling payload (packets
// joined by \x1e, binary ones as "b" + base64), both straight from the client.
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "soket/engineio/packet.hpp"

using namespace soket;
using namespace soket::engineio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_view(data, size);

  if (auto packet = parse_text_packet(input)) {
    FUZZ_CHECK(!packet->binary);
    FUZZ_CHECK(packet->data.size() + 1 == input.size());
    (void)packet_type_name(packet->type);
  }

  std::vector<std::string> storage;
  if (auto packets = parse_payload(input, storage)) {
    FUZZ_CHECK(!packets->empty());
    for (const auto& p : *packets) {
      if (p.binary) FUZZ_CHECK(p.type == PacketType::message);
      (void)packet_type_name(p.type);
    }
  }
  return 0;
}
