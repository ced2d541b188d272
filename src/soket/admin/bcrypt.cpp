#include "soket/admin/bcrypt.hpp"

#include <crypt.h>

#include <cstring>
#include <memory>

namespace soket::admin {

bool is_bcrypt_hash(std::string_view hash) {
  // $2b$10$ + 22 characters of salt + 31 of digest.
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$')
    return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return false;
  int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (char c : hash.substr(7)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

bool bcrypt_matches(std::string_view password, const std::string& hash) {
  if (!is_bcrypt_hash(hash)) return false;
  // crypt(3) reads a C string: a password with a NUL in it cannot be the one that was hashed.
  if (password.find('\0') != std::string_view::npos) return false;
  std::string phrase(password);
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on the stack
  const char* result = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  if (result == nullptr || std::strlen(result) != hash.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < hash.size(); ++i)
    diff |= static_cast<unsigned char>(result[i] ^ hash[i]);
  return diff == 0;
}

}  // namespace soket::admin
