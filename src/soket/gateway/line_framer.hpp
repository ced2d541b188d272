#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace soket::gateway {

/// How a framed message ended.
enum class LineEnd {
  lf,    ///< "\n"
  crlf,  ///< "\r\n"
  idle,  ///< no newline: the peer went quiet for the idle gap (or closed its side)
};

/// Splits a byte stream into messages. A message ends at "\n" (a preceding "\r" is stripped) or,
/// when the owner calls flush(), at an idle gap. A message longer than `max_line` bytes is never
/// buffered: the framer reports it once and discards its bytes up to the next newline or flush.
/// No I/O and no timers: the connection drives it.
class LineFramer {
 public:
  /// A framer for messages of at most `max_line` bytes.
  explicit LineFramer(std::size_t max_line) : max_line_(max_line) {}

  /// Feeds received bytes. Calls `on_line(std::string_view text, LineEnd end)` for each complete
  /// message and `on_overflow()` once per over-long message; each returns false to stop (the rest
  /// of `data` is then dropped, e.g. because the connection is closing). The view passed to
  /// `on_line` is valid only during the call.
  template <class OnLine, class OnOverflow>
  void feed(std::string_view data, OnLine&& on_line, OnOverflow&& on_overflow);

  /// Ends the pending partial message (idle gap or end of stream). Emits it as LineEnd::idle if
  /// there is one; ends discarding of an over-long message. Returns what `on_line` returned, or
  /// true when nothing was emitted.
  template <class OnLine>
  bool flush(OnLine&& on_line);

  /// True while a message is unfinished: bytes are buffered or an over-long message is being
  /// discarded (the idle gap timer should run).
  bool pending() const { return !buffer_.empty() || discarding_; }

 private:
  std::size_t max_line_;
  std::string buffer_;
  bool discarding_ = false;
};

template <class OnLine, class OnOverflow>
void LineFramer::feed(std::string_view data, OnLine&& on_line, OnOverflow&& on_overflow) {
  while (!data.empty()) {
    auto newline = data.find('\n');
    if (discarding_) {
      if (newline == std::string_view::npos) return;
      discarding_ = false;
      data.remove_prefix(newline + 1);
      continue;
    }
    if (newline == std::string_view::npos) {
      buffer_.append(data);
      // One byte of slack for a "\r" whose "\n" has not arrived yet.
      bool too_long = buffer_.size() > max_line_ + 1 ||
                      (buffer_.size() == max_line_ + 1 && buffer_.back() != '\r');
      if (too_long) {
        buffer_.clear();
        discarding_ = true;
        if (!on_overflow()) return;
      }
      return;
    }
    std::string_view line;
    if (buffer_.empty()) {
      line = data.substr(0, newline);
    } else {
      buffer_.append(data.substr(0, newline));
      line = buffer_;
    }
    data.remove_prefix(newline + 1);
    LineEnd end = LineEnd::lf;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
      end = LineEnd::crlf;
    }
    bool go_on = line.size() > max_line_ ? on_overflow() : on_line(line, end);
    buffer_.clear();
    if (!go_on) return;
  }
}

template <class OnLine>
bool LineFramer::flush(OnLine&& on_line) {
  discarding_ = false;
  if (buffer_.empty()) return true;
  std::string_view line = buffer_;
  // A lone trailing "\r" (a CR-only sender, or a CR whose LF never came) is not part of the text.
  if (line.back() == '\r') line.remove_suffix(1);
  bool go_on = on_line(line, LineEnd::idle);
  buffer_.clear();
  return go_on;
}

}  // namespace soket::gateway
