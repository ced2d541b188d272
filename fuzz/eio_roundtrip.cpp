// Round trips of the Engine.IO payload encoders: packets parsed from the input are encoded as a
// v4 payload, a v3 text payload and a v3 binary payload, and each must decode to the same packets.
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "soket/engineio/frame.hpp"
#include "soket/engineio/packet.hpp"
#include "soket/engineio/payload_v3.hpp"

using namespace soket;
using namespace soket::engineio;

namespace {

std::vector<Frame> to_frames(const std::vector<PacketView>& packets) {
  std::vector<Frame> frames;
  for (const auto& p : packets) {
    if (p.binary) {
      frames.push_back(Frame::binary_message(p.data));
    } else {
      std::string text(1, static_cast<char>(p.type));
      text += p.data;
      frames.push_back(Frame::text(text));
    }
  }
  return frames;
}

bool same(const std::vector<PacketView>& a, const std::vector<PacketView>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].type != b[i].type || a[i].data != b[i].data || a[i].binary != b[i].binary)
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_view(data, size);
  std::vector<std::string> storage;
  auto packets = parse_payload(input, storage);
  if (!packets) return 0;
  auto frames = to_frames(*packets);

  std::string v4;
  encode_payload(frames, v4);
  std::vector<std::string> storage_v4;
  auto back_v4 = parse_payload(v4, storage_v4);
  FUZZ_CHECK(back_v4 && same(*packets, *back_v4));

  for (bool supports_binary : {false, true}) {
    std::string v3;
    bool binary_form = encode_payload_v3(frames, supports_binary, v3);
    std::vector<std::string> storage_v3;
    auto back_v3 = binary_form ? parse_binary_payload_v3(v3) : parse_payload_v3(v3, storage_v3);
    FUZZ_CHECK(back_v3 && same(*packets, *back_v3));
  }
  return 0;
}
