#include "soket/util/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace soket {
namespace {

std::size_t expected_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Whether text[i..] is a valid prefix of a sequence that the end of `text` cut off.
bool is_cut_sequence(std::string_view text, std::size_t i) {
  auto lead = static_cast<uint8_t>(text[i]);
  std::size_t len = expected_length(lead);
  std::size_t have = text.size() - i;
  if (len <= 1 || have >= len) return false;
  // Complete it with the smallest continuation bytes the lead allows and check that.
  char probe[4];
  std::memcpy(probe, text.data() + i, have);
  for (std::size_t k = have; k < len; ++k)
    probe[k] = static_cast<char>(0x80);
  if (have == 1) {
    if (lead == 0xE0) probe[1] = static_cast<char>(0xA0);
    if (lead == 0xF0) probe[1] = static_cast<char>(0x90);
  }
  return utf8_sequence_length(std::string_view(probe, len), 0) == len;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<uint8_t>(text[k]); };
  uint8_t lead = byte(i);
  std::size_t len = expected_length(lead);
  if (len <= 1) return len;
  uint8_t min_second = 0x80, max_second = 0xBF;
  if (lead == 0xE0) min_second = 0xA0;  // overlong
  if (lead == 0xED) max_second = 0x9F;  // surrogates
  if (lead == 0xF0) min_second = 0x90;  // overlong
  if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  if (i + len > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

bool Utf8Validator::feed(std::string_view piece) {
  if (carry_size_ > 0) {
    // Finish the sequence the previous piece cut off.
    std::size_t need = expected_length(static_cast<uint8_t>(carry_[0])) - carry_size_;
    std::size_t take = need < piece.size() ? need : piece.size();
    std::memcpy(carry_ + carry_size_, piece.data(), take);
    std::string_view joined(carry_, carry_size_ + take);
    piece.remove_prefix(take);
    if (take < need) {
      carry_size_ = joined.size();
      return is_cut_sequence(joined, 0);
    }
    carry_size_ = 0;
    if (utf8_sequence_length(joined, 0) != joined.size()) return false;
  }
  // Find where a sequence cut off by the end of this piece starts (at most 3 bytes back).
  std::size_t tail = piece.size();
  for (std::size_t back = 1; back <= 3 && back <= piece.size(); ++back) {
    auto c = static_cast<uint8_t>(piece[piece.size() - back]);
    if ((c & 0xC0) != 0x80) {
      if (expected_length(c) > back) tail = piece.size() - back;
      break;
    }
  }
  if (!is_valid_utf8(piece.substr(0, tail))) return false;
  if (tail == piece.size()) return true;
  if (!is_cut_sequence(piece, tail)) return false;
  carry_size_ = piece.size() - tail;
  std::memcpy(carry_, piece.data() + tail, carry_size_);
  return true;
}

void append_utf8_replacing_invalid(std::string_view text, std::string& out) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    auto lead = static_cast<uint8_t>(text[i]);
    std::size_t len = expected_length(lead);
    if (len == 1) {
      out += text[i++];
      continue;
    }
    if (len == 0) {  // a stray continuation byte or a lead that can never start a sequence
      out += kReplacement;
      ++i;
      continue;
    }
    uint8_t low = 0x80, high = 0xBF;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
    std::size_t j = i + 1;
    for (; j < i + len && j < n; ++j) {
      auto c = static_cast<uint8_t>(text[j]);
      if (c < low || c > high) break;
      low = 0x80;
      high = 0xBF;
    }
    // A complete sequence is copied; a cut one becomes one U+FFFD and the byte that broke it is
    // looked at again as the start of the next sequence.
    if (j == i + len)
      out.append(text.substr(i, len));
    else
      out += kReplacement;
    i = j;
  }
}

}  // namespace soket
