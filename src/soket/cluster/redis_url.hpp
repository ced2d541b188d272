#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace soket::cluster {

/// Where a Redis server is: redis://[[user]:password@]host[:port][/db]. The user name and password
/// may be percent-encoded; an IPv6 host is written in brackets. TLS (rediss://) is not supported.
struct RedisUrl {
  /// Host name or address.
  std::string host = "127.0.0.1";
  /// TCP port.
  uint16_t port = 6379;
  std::string username;  ///< AUTH user ("": the default user)
  std::string password;  ///< AUTH password ("": no AUTH)
  /// Database number (SELECT).
  int db = 0;

  /// Nullopt (and a reason in `error`) for anything else: another scheme, no host, a bad port or
  /// db, a user name without a password, a query or a fragment.
  static std::optional<RedisUrl> parse(std::string_view url, std::string* error = nullptr);
  /// The URL with the password replaced by "***": safe to log.
  std::string to_string_redacted() const;
};

}  // namespace soket::cluster
