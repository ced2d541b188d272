// RESP replies from a Redis server (hiredis's reader behind soket's RespReader), fed in pieces,
// with a small buffer cap. Byte 0 picks the piece size.
#include <stdexcept>
#include <string>

#include "fuzz_common.hpp"
#include "soket/cluster/resp.hpp"

using namespace soket;
using namespace soket::cluster;

namespace {

std::size_t count(const RedisReply& reply, int depth) {
  FUZZ_CHECK(depth < 10000);
  std::size_t n = 1;
  for (const auto& e : reply.elements)
    n += count(e, depth + 1);
  if (reply.type != RedisReply::Type::array) FUZZ_CHECK(reply.elements.empty());
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view wire = fuzz::as_view(data + 1, size - 1);
  std::size_t step = 1 + data[0] % 64;
  RespReader reader(4096);
  try {
    for (std::size_t pos = 0; pos < wire.size(); pos += step) {
      reader.feed(wire.substr(pos, step));
      while (auto reply = reader.next())
        (void)count(*reply, 0);
    }
  } catch (const std::runtime_error&) {
    // A protocol error or the cap: the connection is dropped.
  }
  return 0;
}
