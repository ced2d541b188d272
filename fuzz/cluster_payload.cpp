// What the Redis adapter reads from other nodes: a pub/sub payload (JSON when it starts with '{',
// msgpack otherwise) and the shapes read out of it (broadcast options, packets, socket details,
// room lists), none of which is trusted.
#include <string>

#include "fuzz_common.hpp"
#include "soket/cluster/payload.hpp"
#include "soket/socketio/cluster_codec.hpp"

using namespace soket;
namespace codec = soket::socketio::cluster_codec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto doc = cluster::parse_payload("fuzz", fuzz::as_view(data, size));
  if (!doc) return 0;
  auto read_all = [](const boost::json::value& v) {
    if (auto options = codec::options_from_json(v)) (void)codec::options_to_json(*options);
    if (auto packet = codec::packet_from_json(v, "/")) (void)codec::packet_to_json(*packet);
    if (auto details = codec::details_from_json(v)) (void)codec::details_to_json(*details);
    if (auto strings = codec::strings_from_json(v)) (void)codec::strings_to_json(*strings);
  };
  read_all(doc->value);
  if (const auto* object = doc->value.if_object())
    for (const auto& kv : *object)
      read_all(kv.value());
  (void)cluster::encode_payload(doc->value, doc->attachments);
  return 0;
}
