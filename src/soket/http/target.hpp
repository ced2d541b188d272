#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace soket::http {

/// A request target split into its decoded path and query parameters.
struct Target {
  std::string path;  ///< the path, percent-decoded, e.g. "/api/devices"
  /// The decoded query parameters; the first of a repeated name wins.
  std::unordered_map<std::string, std::string> query;

  /// The value of query parameter `name`, or nullptr.
  const std::string* param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? nullptr : &it->second;
  }
};

/// Parses an origin-form target ("/socket.io/?EIO=4&transport=polling"); nullopt when malformed.
std::optional<Target> parse_target(std::string_view target);

}  // namespace soket::http
