#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace soket::hub {

/// Short-lived download links that need no token: the hub signs a request target with
/// HMAC-SHA256 under a key drawn at random when the process starts (so a restart voids every
/// link) and an expiry time, and later accepts exactly that target until then.
///
/// A signed target ends with "expires=<unix seconds>&sig=<64 hex digits>"; the signature covers
/// everything before "&sig=" (path, every parameter and the expiry), so changing any of it, or
/// adding a parameter, voids the link.
class LinkSigner {
 public:
  LinkSigner();                          ///< a fresh random key
  explicit LinkSigner(std::string key);  ///< a given key (tests)

  /// `target` ("/api/x?a=1" or "/api/x") with its expiry and signature appended.
  std::string sign(std::string_view target, int64_t expires_unix_s) const;

  /// What check() found.
  enum class Check {
    unsigned_target,  ///< no sig/expires parameter: not a signed link at all
    valid,            ///< signed by this process and not expired
    expired,          ///< signed by this process, but past its expiry
    bad_signature,    ///< altered, signed by another process, or malformed
  };
  /// Whether `target` is a link this signer signed and that is still valid at `now_unix_s`.
  Check check(std::string_view target, int64_t now_unix_s) const;

 private:
  std::string hmac_hex(std::string_view message) const;

  std::string key_;
};

}  // namespace soket::hub
