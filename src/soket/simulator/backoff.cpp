#include "soket/simulator/backoff.hpp"

#include <algorithm>

namespace soket::simulator {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed)
    : initial_(std::max<std::chrono::milliseconds>(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      random_(seed) {}

std::chrono::milliseconds Backoff::next() {
  auto delay = initial_;
  // Doubling stops at max_, so the loop runs at most ~63 times and never overflows.
  for (int i = 0; i < attempts_ && delay < max_; ++i)
    delay = std::min(delay * 2, max_);
  if (attempts_ < 64) ++attempts_;
  auto half = delay.count() / 2;
  auto jitter =
      static_cast<long long>(random_.uniform() * static_cast<double>(delay.count() - half + 1));
  return std::chrono::milliseconds(std::min<long long>(half + jitter, delay.count()));
}

}  // namespace soket::simulator
