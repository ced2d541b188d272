#include "soket/hub/signed_link.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

#include "soket/http/target.hpp"
#include "soket/util/constant_time.hpp"

namespace soket::hub {

namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kSigHexDigits = 64;  // SHA-256

}  // namespace

LinkSigner::LinkSigner() : key_(kKeyBytes, '\0') {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), static_cast<int>(key_.size())) != 1)
    throw std::runtime_error("no random bytes for the download-link key (OpenSSL RAND_bytes)");
}

LinkSigner::LinkSigner(std::string key) : key_(std::move(key)) {}

std::string LinkSigner::hmac_hex(std::string_view message) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
            &length))
    throw std::runtime_error("HMAC-SHA256 failed");
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += digits[digest[i] >> 4];
    hex += digits[digest[i] & 0xf];
  }
  return hex;
}

std::string LinkSigner::sign(std::string_view target, int64_t expires_unix_s) const {
  std::string message(target);
  message += target.find('?') == std::string_view::npos ? '?' : '&';
  message += "expires=" + std::to_string(expires_unix_s);
  return message + "&sig=" + hmac_hex(message);
}

LinkSigner::Check LinkSigner::check(std::string_view target, int64_t now_unix_s) const {
  auto parsed = http::parse_target(target);
  if (!parsed) return Check::bad_signature;
  if (!parsed->param("sig") && !parsed->param("expires")) return Check::unsigned_target;
  // The signature is the last parameter, exactly as sign() wrote it.
  auto at = target.rfind("&sig=");
  if (at == std::string_view::npos || target.size() - at - 5 != kSigHexDigits)
    return Check::bad_signature;
  std::string_view message = target.substr(0, at);
  std::string_view sig = target.substr(at + 5);
  if (!util::constant_time_equal(sig, hmac_hex(message))) return Check::bad_signature;
  // Signed by us, so the message has exactly one well-formed expires; read it all the same.
  const std::string* expires = parsed->param("expires");
  int64_t when = 0;
  if (!expires) return Check::bad_signature;
  auto [end, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), when);
  if (ec != std::errc{} || end != expires->data() + expires->size()) return Check::bad_signature;
  return now_unix_s > when ? Check::expired : Check::valid;
}

}  // namespace soket::hub
