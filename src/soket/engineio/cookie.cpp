#include "soket/engineio/cookie.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace soket::engineio {
namespace {

// RFC 6265 / RFC 7230 token characters (a cookie name).
bool is_token_char(unsigned char c) {
  static constexpr std::string_view separators = "()<>@,;:\\\"/[]?={} \t";
  return c > 0x20 && c < 0x7f && separators.find(static_cast<char>(c)) == std::string_view::npos;
}

// Printable ASCII without ';' (a Path or Domain attribute value).
bool is_attribute_value(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c < 0x7f && c != ';';
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// What JavaScript's encodeURIComponent leaves as it is.
bool is_unreserved(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("-_.!~*'()").find(static_cast<char>(c)) != std::string_view::npos;
}

void invalid(const std::string& what) {
  throw std::invalid_argument("engineio cookie: " + what);
}

}  // namespace

void validate(const CookieOptions& options) {
  if (options.name.empty() || !std::all_of(options.name.begin(), options.name.end(), [](char c) {
        return is_token_char(static_cast<unsigned char>(c));
      }))
    invalid("name \"" + options.name + "\" is not a cookie name (RFC 6265 token)");
  if (!is_attribute_value(options.path)) invalid("path \"" + options.path + "\" is invalid");
  if (!is_attribute_value(options.domain)) invalid("domain \"" + options.domain + "\" is invalid");
  auto same_site = lower(options.same_site);
  if (!same_site.empty() && same_site != "lax" && same_site != "strict" && same_site != "none")
    invalid("same_site \"" + options.same_site + "\" is not lax, strict or none");
  auto priority = lower(options.priority);
  if (!priority.empty() && priority != "low" && priority != "medium" && priority != "high")
    invalid("priority \"" + options.priority + "\" is not low, medium or high");
}

std::string serialize_cookie(const CookieOptions& options, std::string_view value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = options.name;
  out += '=';
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  if (options.max_age) out += "; Max-Age=" + std::to_string(*options.max_age);
  if (!options.domain.empty()) out += "; Domain=" + options.domain;
  if (!options.path.empty()) out += "; Path=" + options.path;
  if (options.http_only) out += "; HttpOnly";
  if (options.secure) out += "; Secure";
  if (options.partitioned) out += "; Partitioned";
  auto priority = lower(options.priority);
  if (priority == "low") out += "; Priority=Low";
  if (priority == "medium") out += "; Priority=Medium";
  if (priority == "high") out += "; Priority=High";
  auto same_site = lower(options.same_site);
  if (same_site == "lax") out += "; SameSite=Lax";
  if (same_site == "strict") out += "; SameSite=Strict";
  if (same_site == "none") out += "; SameSite=None";
  return out;
}

}  // namespace soket::engineio
