#pragma once

#include <chrono>
#include <cstdint>

namespace soket {

/// Keeps a warning that can fire once per refused connection or dropped message to one line per
/// `interval`: ready() says whether to write now and how many occurrences the line stands for.
class LogThrottle {
 public:
  /// The clock of the intervals.
  using Clock = std::chrono::steady_clock;

  /// At most one line per `interval`.
  explicit LogThrottle(std::chrono::milliseconds interval = std::chrono::seconds(10))
      : interval_(interval) {}

  /// Counts one occurrence; returns the number of occurrences since the last line (this one
  /// included) when a line is due now, else 0.
  uint64_t ready(Clock::time_point now = Clock::now()) {
    ++pending_;
    if (logged_once_ && now - last_ < interval_) return 0;
    logged_once_ = true;
    last_ = now;
    uint64_t count = pending_;
    pending_ = 0;
    return count;
  }

 private:
  std::chrono::milliseconds interval_;
  Clock::time_point last_{};
  uint64_t pending_ = 0;
  bool logged_once_ = false;
};

}  // namespace soket
