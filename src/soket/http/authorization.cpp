#include "soket/http/authorization.hpp"

#include "soket/util/ascii.hpp"

namespace soket::http {

namespace {

bool blank(char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

std::optional<std::string_view> bearer_token(std::string_view value) {
  while (!value.empty() && blank(value.front()))
    value.remove_prefix(1);
  while (!value.empty() && blank(value.back()))
    value.remove_suffix(1);
  constexpr std::string_view scheme = "bearer";
  if (value.size() <= scheme.size() || !blank(value[scheme.size()])) return std::nullopt;
  if (!iequals_ascii(value.substr(0, scheme.size()), scheme)) return std::nullopt;
  value.remove_prefix(scheme.size());
  while (!value.empty() && blank(value.front()))
    value.remove_prefix(1);
  if (value.empty()) return std::nullopt;
  for (char c : value) {
    if (blank(c)) return std::nullopt;
  }
  return value;
}

}  // namespace soket::http
