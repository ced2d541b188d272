// The Redis Streams adapter's codec (@socket.io/redis-streams-adapter): stream entries (field
// pairs; byte 0 odd) and pub/sub msgpack messages (byte 0 even) written by other nodes. What
// decodes must encode and decode back to the same message.
#include <string>

#include "fuzz_common.hpp"
#include "soket/cluster/stream_codec.hpp"
#include "soket/util/json_finite.hpp"

using namespace soket;
using namespace soket::cluster;
using socketio::ClusterMessage;

namespace {

bool same_message(const ClusterMessage& a, const ClusterMessage& b) {
  if (a.type != b.type || a.uid != b.uid || a.nsp != b.nsp) return false;
  // Binaries by content where they stand (one that no placeholder names is not written again),
  // and non-finite numbers as the null they are written as.
  auto mine = fuzz::with_binaries(a.data, a.attachments);
  auto back = fuzz::with_binaries(b.data, b.attachments);
  return fuzz::same_json(mine, back) ||
         fuzz::same_json(json_finite::non_finite_as_null(mine), back);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view input = fuzz::as_view(data + 1, size - 1);
  std::string error;
  if (data[0] & 1) {
    stream_codec::Fields fields;
    auto pieces = fuzz::split(input, '\0', 16);
    for (std::size_t i = 0; i + 1 < pieces.size(); i += 2)
      fields.emplace_back(pieces[i], pieces[i + 1]);
    auto message = stream_codec::from_fields(fields, error);
    if (!message) return 0;
    FUZZ_CHECK(error.empty());
    auto back = stream_codec::from_fields(stream_codec::to_fields(*message), error);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(same_message(*message, *back));
  } else {
    auto message = stream_codec::from_msgpack(input, error);
    FUZZ_CHECK(message.has_value() == error.empty());
    if (!message) return 0;
    auto back = stream_codec::from_msgpack(stream_codec::to_msgpack(*message), error);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(same_message(*message, *back));
  }
  return 0;
}
