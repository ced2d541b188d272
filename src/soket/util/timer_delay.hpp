#pragma once

#include <chrono>

namespace soket {

/// The longest delay soket puts on a timer: 2^31 - 1 ms (about 24.8 days), the longest that
/// JavaScript's setTimeout takes. A delay that came from outside (a client's ack timeout, a
/// broadcast timeout from another node) may be anything up to the int64 maximum, and a deadline
/// of now + that many milliseconds overflows the clock's nanoseconds; it is cut to this instead.
inline constexpr std::chrono::milliseconds kMaxTimerDelay{2'147'483'647};

/// `delay` with its upper end cut to kMaxTimerDelay (what is below zero stays as it is).
constexpr std::chrono::milliseconds bounded_timer_delay(std::chrono::milliseconds delay) {
  return delay > kMaxTimerDelay ? kMaxTimerDelay : delay;
}

}  // namespace soket
