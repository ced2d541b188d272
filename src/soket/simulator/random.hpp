#pragma once

#include <cstdint>
#include <random>

namespace soket::simulator {

/// A seeded random source whose sequence is the same on every platform: std::mt19937_64 is fully
/// specified, and the distributions here are written out (the standard library's are not).
class SimRandom {
 public:
  /// A source whose sequence is fixed by `seed`.
  explicit SimRandom(uint64_t seed) : engine_(seed) {}

  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  /// Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  /// Normally distributed (Box-Muller).
  double normal(double mean, double stddev);

 private:
  std::mt19937_64 engine_;
};

/// A well-mixed seed for stream `index` of a simulation seeded with `seed` (splitmix64).
uint64_t derive_seed(uint64_t seed, uint64_t index);

}  // namespace soket::simulator
