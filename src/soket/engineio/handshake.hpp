#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "soket/util/field_list.hpp"

namespace soket::engineio {

/// What the client sent when it opened the session. Kept for the whole session, so the query and
/// headers are stored compactly (one allocation each).
struct Handshake {
  FieldList query;      ///< decoded query parameters
  FieldList headers;    ///< names in lower case
  std::string address;  ///< the peer's IP address
  /// The request target of the handshake.
  std::string url;
  int64_t issued_ms = 0;  ///< milliseconds since the Unix epoch
  /// Whether it came over TLS.
  bool secure = false;
  bool xdomain = false;  ///< the request had an Origin header (a cross-site client)
  // Last, so that a session can keep its own small members in the tail padding here.

  /// The value of header `name` (lower case).
  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
};

}  // namespace soket::engineio
