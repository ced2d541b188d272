// What the Engine.IO handshake reads from the request line: the target's path and query (decoded,
// kept in the session's FieldList), the JSONP index and the JSONP POST form body.
#include <string>

#include "fuzz_common.hpp"
#include "soket/engineio/jsonp.hpp"
#include "soket/http/target.hpp"
#include "soket/util/field_list.hpp"

using namespace soket;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_view(data, size);

  if (auto target = http::parse_target(input)) {
    FieldList query;
    for (const auto& [name, value] : target->query)
      query.add(name, value);
    query.shrink_to_fit();
    std::size_t n = 0;
    for (auto [name, value] : query) {
      const std::string* original = target->param(std::string(name));
      FUZZ_CHECK(original && *original == value);
      ++n;
    }
    FUZZ_CHECK(n == target->query.size());
    if (const std::string* j = target->param("j")) {
      std::string index = engineio::jsonp_index(*j);
      for (char c : index)
        FUZZ_CHECK(c >= '0' && c <= '9');
      (void)engineio::jsonp_wrap(index, input);
    }
  }

  if (auto payload = engineio::jsonp_post_payload(input)) FUZZ_CHECK(payload->size() <= size);
  return 0;
}
