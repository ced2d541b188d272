// permessage-deflate: inflating what a client claims is a compressed message (a decompression
// bomb, corrupt streams, a shared context across messages). Input: byte 0 picks the parameters,
// the rest is messages cut at "\xff\x00\xfe" (an unlikely sequence in deflate output).
#include <string>

#include "fuzz_common.hpp"
#include "soket/engineio/deflate.hpp"

using namespace soket;
using namespace soket::engineio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0];
  std::string_view rest = fuzz::as_view(data + 1, size - 1);

  DeflateParams params;
  params.client_no_context_takeover = mode & 1;
  params.server_no_context_takeover = mode & 2;
  params.client_max_window_bits = 9 + (mode >> 2) % 7;
  std::size_t max_size = (mode & 0x80) ? 64 : 256 * 1024;
  PerMessageDeflate deflate(params);

  std::string out;
  std::size_t at = 0;
  while (at <= rest.size()) {
    auto end = rest.find("\xff\x00\xfe", at, 3);
    if (end == std::string_view::npos) end = rest.size();
    auto result = deflate.inflate(rest.substr(at, end - at), max_size, out);
    if (result == PerMessageDeflate::InflateResult::ok) {
      FUZZ_CHECK(out.size() <= max_size);
      // What we inflate, our own compressor must carry back to the same bytes.
      DeflateParams fresh;
      fresh.server_no_context_takeover = mode & 2;
      auto compressed = PerMessageDeflate(fresh).compress(make_shared_bytes(out));
      std::string back;
      FUZZ_CHECK(PerMessageDeflate(fresh).inflate(*compressed, max_size, back) ==
                 PerMessageDeflate::InflateResult::ok);
      FUZZ_CHECK(back == out);
    }
    at = end + 3;
  }
  return 0;
}
