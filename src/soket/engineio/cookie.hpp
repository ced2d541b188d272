#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace soket::engineio {

/// Node's `cookie` option: the session id set as a cookie on the handshake response (polling), so
/// that a load balancer can keep a client's requests on one node. Defaults as the reference's.
struct CookieOptions {
  /// The cookie's name (Node's cookie.name).
  std::string name = "io";
  std::string path = "/";            ///< "" sends no Path
  std::string domain;                ///< "" sends no Domain
  std::optional<long long> max_age;  ///< seconds (Max-Age)
  /// HttpOnly.
  bool http_only = true;
  /// Secure.
  bool secure = false;
  /// Partitioned.
  bool partitioned = false;
  std::string same_site = "lax";  ///< "lax", "strict", "none" or "" (not sent)
  std::string priority;           ///< "low", "medium", "high" or "" (not sent)
};

/// Throws std::invalid_argument naming the field when the options cannot make a valid cookie.
void validate(const CookieOptions& options);

/// The Set-Cookie value for `value` (percent-encoded as encodeURIComponent does), as the `cookie`
/// package's serialize() writes it: name=value; Max-Age; Domain; Path; HttpOnly; Secure;
/// Partitioned; Priority; SameSite.
std::string serialize_cookie(const CookieOptions& options, std::string_view value);

}  // namespace soket::engineio
