// soket's msgpack codec (notepack-compatible), used for Redis adapter messages and the msgpack
// parser: any bytes decode to a document or throw msgpack::Error; a decoded document re-encodes to
// bytes that decode to the same document (decode(encode(x)) == x for every x decode can give).
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "soket/util/msgpack.hpp"

using namespace soket;

namespace {

// `value` with each placeholder that names one of `attachments` replaced by {"bin": its bytes}.
boost::json::value with_binaries(const boost::json::value& value,
                                 const std::vector<SharedBytes>& attachments) {
  if (const auto* array = value.if_array()) {
    boost::json::array out;
    for (const auto& v : *array)
      out.push_back(with_binaries(v, attachments));
    return out;
  }
  const auto* object = value.if_object();
  if (!object) return value;
  const auto* marker = object->if_contains("_placeholder");
  const auto* num = object->if_contains("num");
  if (marker && marker->is_bool() && marker->get_bool() && num) {
    boost::system::error_code ec;
    auto index = num->to_number<uint64_t>(ec);
    if (!ec && index < attachments.size())
      return boost::json::object{{"bin", std::string_view(*attachments[index])}};
  }
  boost::json::object out;
  for (const auto& kv : *object)
    out[kv.key()] = with_binaries(kv.value(), attachments);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  msgpack::Limits limits;
  limits.max_depth = 16;
  limits.max_attachments = 16;
  limits.max_elements = 4096;
  msgpack::Document doc;
  try {
    doc = msgpack::decode(fuzz::as_view(data, size), limits);
  } catch (const msgpack::Error&) {
    return 0;
  }
  FUZZ_CHECK(doc.attachments.size() <= limits.max_attachments);

  std::string bytes = msgpack::encode(doc.value, doc.attachments);
  msgpack::Document back;
  try {
    back = msgpack::decode(bytes, limits);
  } catch (const msgpack::Error& e) {
    fuzz::fail(e.what(), __FILE__, __LINE__);
  }
  // Binaries are compared by content where their placeholders stand: the numbering may change
  // (a repeated map key drops the first value, and with it a binary that then is not written).
  FUZZ_CHECK(msgpack::encode(back.value, back.attachments) == bytes);
  FUZZ_CHECK(fuzz::same_json(with_binaries(doc.value, doc.attachments),
                             with_binaries(back.value, back.attachments)));
  return 0;
}
