#pragma once

#include <chrono>

#include "soket/simulator/random.hpp"

namespace soket::simulator {

/// Reconnect delays: doubling from `initial` up to `max`, each drawn from [delay/2, delay] so
/// devices that lost the server together do not come back together.
class Backoff {
 public:
  /// Delays from `initial` up to `max`, their jitter drawn from `seed`.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed);

  /// The delay before the next attempt; each call counts one failed attempt.
  std::chrono::milliseconds next();
  /// After a success: the next delay starts from `initial` again.
  void reset() { attempts_ = 0; }
  /// Failed attempts counted since the last reset().
  int attempts() const { return attempts_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  SimRandom random_;
  int attempts_ = 0;
};

}  // namespace soket::simulator
