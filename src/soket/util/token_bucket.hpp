#pragma once

#include <algorithm>
#include <chrono>

namespace soket {

/// A token bucket: `rate` tokens a second, at most `burst` saved up. take() spends one token if
/// there is one. No allocation, no lock: one per connection, on its own thread.
class TokenBucket {
 public:
  /// The clock the bucket refills by.
  using Clock = std::chrono::steady_clock;

  TokenBucket() = default;
  /// `burst` below 1 is taken as max(1, rate).
  TokenBucket(double rate, double burst)
      : rate_(rate), burst_(burst >= 1 ? burst : std::max(1.0, rate)), tokens_(burst_) {}

  /// False when the bucket is off (rate 0): then take() is never called.
  bool enabled() const { return rate_ > 0; }

  /// Refills the bucket for the time since the last call, then spends one token: false when there
  /// is none (the event is over the rate).
  bool take(Clock::time_point now) {
    if (started_) {
      double elapsed = std::chrono::duration<double>(now - last_).count();
      if (elapsed > 0) tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    }
    started_ = true;
    last_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  bool started_ = false;
  Clock::time_point last_{};
};

}  // namespace soket
