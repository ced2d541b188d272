#include "soket/gateway/text_check.hpp"

#include <cstddef>
#include <cstdint>

#include "soket/util/utf8.hpp"

namespace soket::gateway {

std::optional<std::string_view> text_problem(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<uint8_t>(text[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7F) return "control character in message";
    std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) return "invalid UTF-8";
    i += len;
  }
  return std::nullopt;
}

std::string_view trim_blanks(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

}  // namespace soket::gateway
