#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace soket {

/// Length of the UTF-8 sequence starting at text[i], or 0 if it is not a valid one (shortest form,
/// no surrogates, at most U+10FFFF, not cut off by the end of `text`).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

/// Whether all of `text` is valid UTF-8. ASCII runs are checked eight bytes at a time.
bool is_valid_utf8(std::string_view text);

/// Appends `text` to `out` with every ill-formed sequence replaced by U+FFFD, one per maximal
/// subpart, as the WHATWG decoder (and so Node's Buffer#toString) does.
void append_utf8_replacing_invalid(std::string_view text, std::string& out);

/// Streaming check for text that arrives in pieces (a fragmented WebSocket message): a sequence
/// may be split between two pieces.
class Utf8Validator {
 public:
  /// False as soon as the text so far cannot be (the start of) valid UTF-8.
  bool feed(std::string_view piece);
  /// True when everything fed is valid and no sequence is left unfinished.
  bool complete() const { return carry_size_ == 0; }
  /// Forgets any unfinished sequence, for the next text.
  void reset() { carry_size_ = 0; }

 private:
  char carry_[4] = {};
  std::size_t carry_size_ = 0;
};

}  // namespace soket
