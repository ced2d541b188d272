#include "soket/gateway/text_check.hpp"

#include <cstddef>
#include <cstdint>

namespace soket::gateway {
namespace {

// Length of the UTF-8 sequence starting at text[i], or 0 if it is not a valid (shortest-form,
// non-surrogate, <= U+10FFFF) sequence.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<uint8_t>(text[k]); };
  uint8_t lead = byte(i);
  std::size_t len = 0;
  uint8_t min_second = 0x80, max_second = 0xBF;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

}  // namespace

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
