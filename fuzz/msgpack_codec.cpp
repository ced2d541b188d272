// soket's msgpack codec (notepack-compatible), used for Redis adapter messages and the msgpack
// parser: any bytes decode to a document or throw msgpack::Error; a decoded document re-encodes to
// bytes that decode to the same document (decode(encode(x)) == x for every x decode can give).
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "soket/util/msgpack.hpp"

using namespace soket;

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
  FUZZ_CHECK(fuzz::same_json(fuzz::with_binaries(doc.value, doc.attachments),
                             fuzz::with_binaries(back.value, back.attachments)));
  return 0;
}
