#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace soket::engineio {

/// What the client sent when it opened the session.
struct Handshake {
  std::unordered_map<std::string, std::string> query;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string address;                                       // the peer's IP address
  std::string url;
  bool secure = false;
  int64_t issued_ms = 0;  // milliseconds since the Unix epoch

  /// The value of header `name` (lower case), or nullptr.
  const std::string* header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return &v;
    return nullptr;
  }
};

}  // namespace soket::engineio
