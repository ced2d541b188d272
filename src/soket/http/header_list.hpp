#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace soket::http {

/// One element of a comma-separated header value with parameters, such as
/// Sec-WebSocket-Extensions or Accept-Encoding: `name; a=1; b="two"` (RFC 7230 §7, RFC 6455 §9.1).
struct HeaderElement {
  /// The element's name (the part before the first `;`), e.g. "permessage-deflate" or "gzip".
  std::string_view name;
  /// Each parameter's name and value: a token, or a quoted string without its quotes; empty when
  /// the parameter has no value.
  std::vector<std::pair<std::string_view, std::string_view>> params;
};

/// Parses `value` into its elements (empty list elements are skipped); nullopt when it is not of
/// that grammar. The views point into `value`.
///
/// Beast's ext_list is not used: in Boost 1.81 a last element without parameters reports the
/// parameters of the element before it ("gzip;q=0.5, deflate" gives deflate q=0.5).
std::optional<std::vector<HeaderElement>> parse_header_list(std::string_view value);

}  // namespace soket::http
