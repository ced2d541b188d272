#include "soket/http/redact.hpp"

#include <array>

#include "soket/util/ascii.hpp"

namespace soket::http {

namespace {

bool secret_name(std::string_view name) {
  static constexpr std::array<std::string_view, 6> words = {"token", "secret", "pass",
                                                            "auth",  "key",    "sig"};
  for (auto word : words) {
    for (std::size_t i = 0; i + word.size() <= name.size(); ++i) {
      if (iequals_ascii(name.substr(i, word.size()), word)) return true;
    }
  }
  return false;
}

/// "%74oken" is "token" to the server that reads it, so it is one to the redaction too.
std::string percent_decoded(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = ascii_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

}  // namespace

std::string redact_target(std::string_view target) {
  auto question = target.find('?');
  if (question == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, question + 1));
  std::string_view query = target.substr(question + 1);
  for (;;) {
    auto amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    auto eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    if (eq != std::string_view::npos && secret_name(percent_decoded(name))) {
      out.append(name).append("=***");
    } else {
      out.append(param);
    }
    if (amp == std::string_view::npos) break;
    out += '&';
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace soket::http
