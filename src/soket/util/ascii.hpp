#pragma once

#include <string_view>

namespace soket {

/// `c` in lower case when it is an ASCII capital letter; any other byte as it is.
constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Case-insensitive equality of ASCII text (header names, tokens). Used instead of
/// boost::beast::iequals, which in Boost 1.81 reads one byte past the end of both strings when
/// they differ only in case (found by fuzzing; a view into a received buffer may end right there).
constexpr bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace soket
