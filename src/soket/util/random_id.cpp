#include "soket/util/random_id.hpp"

#include <cstdint>
#include <random>

namespace soket {

std::string random_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }()};
  std::string id(20, '\0');
  uint64_t bits = 0;
  int left = 0;
  for (char& c : id) {
    if (left < 6) {
      bits = rng();
      left = 64;
    }
    c = kAlphabet[bits & 63];
    bits >>= 6;
    left -= 6;
  }
  return id;
}

}  // namespace soket
