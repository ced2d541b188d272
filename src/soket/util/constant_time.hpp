#pragma once

#include <string_view>

namespace soket::util {

/// Whether `given` equals `expected`, in a time that depends only on the length of `expected`:
/// every byte is compared (no early exit at the first difference), so the time a refusal takes
/// tells an attacker nothing about how much of a guessed token was right. For secrets (tokens,
/// signatures); `expected` is the secret.
bool constant_time_equal(std::string_view given, std::string_view expected);

}  // namespace soket::util
