#pragma once
// Helpers shared by the libFuzzer targets: splitting one input into pieces, a failure that stops
// the fuzzer, and JSON equality for round trips.

#include <boost/json/value.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <vector>

#include "soket/util/bytes.hpp"
#include "soket/util/log.hpp"

namespace soket::fuzz {

inline std::string_view as_view(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// `data` cut at every `separator` (so "a\0b" is two pieces for '\0'); at most `max_pieces`, the
/// last one keeping the rest.
inline std::vector<std::string_view> split(std::string_view data, char separator,
                                           std::size_t max_pieces = 64) {
  std::vector<std::string_view> pieces;
  while (pieces.size() + 1 < max_pieces) {
    auto at = data.find(separator);
    if (at == std::string_view::npos) break;
    pieces.push_back(data.substr(0, at));
    data.remove_prefix(at + 1);
  }
  pieces.push_back(data);
  return pieces;
}

/// A property of the code under test does not hold: report it and abort (libFuzzer saves the
/// input as a crash).
[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  std::abort();
}

/// JSON equality where NaN equals NaN (a decoded float keeps its NaN) and numbers compare by value
/// across int64/uint64/double (an integral double may come back as an integer).
inline bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) {
      double x = a.is_double()  ? a.get_double()
                 : a.is_int64() ? static_cast<double>(a.get_int64())
                                : static_cast<double>(a.get_uint64());
      double y = b.is_double()  ? b.get_double()
                 : b.is_int64() ? static_cast<double>(b.get_int64())
                                : static_cast<double>(b.get_uint64());
      // Boost.JSON 1.81 writes some doubles with one significant digit too few
      // (1.1111111111111111e46 as 1.111111111111111E46), which reads back an ulp off: a drift of
      // the library's number formatting (docs/fuzzing.md), not of soket's codecs.
      if ((std::isnan(x) && std::isnan(y)) || x == y) return true;
      return std::isfinite(x) && std::isfinite(y) &&
             std::fabs(x - y) <= 4 * std::numeric_limits<double>::epsilon() * std::fabs(x);
    }
    return a == b;
  }
  if (a.kind() != b.kind()) return false;
  if (const auto* array = a.if_array()) {
    const auto& other = b.get_array();
    if (array->size() != other.size()) return false;
    for (std::size_t i = 0; i < array->size(); ++i)
      if (!same_json((*array)[i], other[i])) return false;
    return true;
  }
  if (const auto* object = a.if_object()) {
    const auto& other = b.get_object();
    if (object->size() != other.size()) return false;
    auto it = other.begin();
    for (const auto& kv : *object) {
      if (kv.key() != it->key() || !same_json(kv.value(), it->value())) return false;
      ++it;
    }
    return true;
  }
  return a == b;
}

/// `value` with each placeholder that names one of `attachments` replaced by {"bin": its bytes}:
/// documents compared by the binaries where they stand, not by their numbering.
inline boost::json::value with_binaries(const boost::json::value& value,
                                        const std::vector<SharedBytes>& attachments) {
  if (const auto* array = value.if_array()) {
    boost::json::array out;
    for (const auto& v : *array)
      out.push_back(with_binaries(v, attachments));
    return out;
  }
  const auto* object = value.if_object();
  if (!object) return value;
  const auto* marker = object->if_contains("_placeholder");
  const auto* num = object->if_contains("num");
  if (marker && marker->is_bool() && marker->get_bool() && num) {
    boost::system::error_code ec;
    auto index = num->to_number<uint64_t>(ec);
    if (!ec && index < attachments.size())
      return boost::json::object{{"bin", std::string_view(*attachments[index])}};
  }
  boost::json::object out;
  for (const auto& kv : *object)
    out[kv.key()] = with_binaries(kv.value(), attachments);
  return out;
}

/// Logging off: the parsers warn about bad input, which is all a fuzzer sends.
inline void quiet_logs() {
  static bool done = [] { return log::init("off"); }();
  (void)done;
}

}  // namespace soket::fuzz

#define FUZZ_CHECK(cond) ((cond) ? (void)0 : ::soket::fuzz::fail(#cond, __FILE__, __LINE__))
