// RESP round trip: a command formatted by format_command (arguments cut from the input at \0,
// any bytes) read back by the RESP reader is an array of the same bulk strings.
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "soket/cluster/resp.hpp"

using namespace soket;
using namespace soket::cluster;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::vector<std::string_view> args = fuzz::split(fuzz::as_view(data, size), '\0', 256);
  std::string wire = format_command(args);

  RespReader reader;
  reader.feed(wire);
  auto reply = reader.next();
  FUZZ_CHECK(reply.has_value());
  FUZZ_CHECK(reply->type == RedisReply::Type::array);
  FUZZ_CHECK(reply->elements.size() == args.size());
  for (std::size_t i = 0; i < args.size(); ++i) {
    FUZZ_CHECK(reply->elements[i].type == RedisReply::Type::string);
    FUZZ_CHECK(reply->elements[i].str == args[i]);
  }
  FUZZ_CHECK(!reader.next().has_value());
  return 0;
}
