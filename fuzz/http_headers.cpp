// Header values soket parses itself: comma-separated lists with parameters (RFC 7230 §7),
// Sec-WebSocket-Extensions offers (permessage-deflate negotiation, RFC 7692) and Accept-Encoding.
#include <string>

#include "fuzz_common.hpp"
#include "soket/engineio/deflate.hpp"
#include "soket/engineio/options.hpp"
#include "soket/http/header_list.hpp"

using namespace soket;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view value = fuzz::as_view(data, size);

  if (auto list = http::parse_header_list(value)) {
    const char* begin = value.data();
    const char* end = begin + value.size();
    auto inside = [&](std::string_view v) {
      return v.empty() || (v.data() >= begin && v.data() + v.size() <= end);
    };
    for (const auto& element : *list) {
      FUZZ_CHECK(!element.name.empty() && inside(element.name));
      for (const auto& [name, param] : element.params)
        FUZZ_CHECK(!name.empty() && inside(name) && inside(param));
    }
  }

  engineio::PerMessageDeflateOptions options;
  options.enabled = true;
  if (auto agreement = engineio::negotiate_deflate(value, options)) {
    const auto& p = agreement->params;
    FUZZ_CHECK(p.server_max_window_bits >= 9 && p.server_max_window_bits <= 15);
    FUZZ_CHECK(p.client_max_window_bits >= 8 && p.client_max_window_bits <= 15);
    // The answer is itself a valid offer list.
    FUZZ_CHECK(http::parse_header_list(agreement->response).has_value());
  }
  options.server_no_context_takeover = true;
  options.server_max_window_bits = 10;
  (void)engineio::negotiate_deflate(value, options);

  (void)engineio::choose_http_encoding(value);
  return 0;
}
