#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace soket::bench {

/// Latency histogram in nanoseconds with log-linear buckets (64 per power of two: under 1.6 %
/// error), fixed size, no allocation per sample.
class Histogram {
 public:
  void record(int64_t ns) {
    uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    ++counts_[index(v)];
    ++total_;
  }
  uint64_t count() const { return total_; }
  void reset() {
    counts_.fill(0);
    total_ = 0;
  }

  /// The value at quantile q (0..1), in nanoseconds (the bucket's midpoint); 0 when empty.
  double quantile(double q) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
    uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return midpoint(i);
    }
    return midpoint(counts_.size() - 1);
  }

 private:
  static constexpr int kSubBits = 6;
  static constexpr std::size_t kSub = 1u << kSubBits;
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kSub;

  static std::size_t index(uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    int k = 63 - std::countl_zero(v);  // >= kSubBits
    std::size_t sub = (v >> (k - kSubBits)) & (kSub - 1);
    return static_cast<std::size_t>(k - kSubBits + 1) * kSub + sub;
  }
  static double midpoint(std::size_t i) {
    if (i < kSub) return static_cast<double>(i);
    int k = static_cast<int>(i / kSub) + kSubBits - 1;
    uint64_t sub = i % kSub;
    uint64_t low = (uint64_t(1) << k) | (sub << (k - kSubBits));
    uint64_t width = uint64_t(1) << (k - kSubBits);
    return static_cast<double>(low) + static_cast<double>(width) / 2;
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
};

}  // namespace soket::bench
