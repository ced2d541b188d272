#pragma once

#include <string>
#include <string_view>

namespace soket::admin {

/// Whether `hash` is a well-formed bcrypt hash ("$2a$", "$2b$" or "$2y$", cost 04..31, 53
/// characters of salt and digest).
bool is_bcrypt_hash(std::string_view hash);

/// Whether `password` hashes to `hash` (libxcrypt's bcrypt, compared in constant time).
bool bcrypt_matches(std::string_view password, const std::string& hash);

}  // namespace soket::admin
