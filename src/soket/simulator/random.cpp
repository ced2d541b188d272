#include "soket/simulator/random.hpp"

#include <cmath>
#include <numbers>

namespace soket::simulator {

double SimRandom::normal(double mean, double stddev) {
  double u1 = 1.0 - uniform();  // (0, 1]: log() stays finite
  double u2 = uniform();
  return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

uint64_t derive_seed(uint64_t seed, uint64_t index) {
  uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace soket::simulator
