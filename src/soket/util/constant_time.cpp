#include "soket/util/constant_time.hpp"

#include <cstddef>

namespace soket::util {

bool constant_time_equal(std::string_view given, std::string_view expected) {
  // The differences of every byte are OR-ed together; a length mismatch is one more difference.
  // Bytes of `given` past its end are read as 0 (the index wraps, so no branch on the length).
  volatile unsigned char diff = given.size() == expected.size() ? 0 : 1;
  const std::size_t n = given.size();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    unsigned char g = n == 0 ? 0 : static_cast<unsigned char>(given[i % n]);
    diff = static_cast<unsigned char>(diff | (g ^ static_cast<unsigned char>(expected[i])));
  }
  return diff == 0;
}

}  // namespace soket::util
