#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

// Boost.JSON 1.81 reads a number too large for a double (1e400) as infinity and writes infinity
// and NaN as the bare words Infinity and NaN, which no JSON parser (JSON.parse, Boost.JSON itself)
// accepts: a client that sent 1e400 would make soket send every receiver a message it cannot parse.
// JavaScript's JSON.stringify writes null for them; soket does the same.
namespace soket::json_finite {

/// True when `value` holds an infinite or NaN double anywhere.
bool has_non_finite(const boost::json::value& value);

/// `value` with every infinite or NaN double replaced by null.
boost::json::value non_finite_as_null(const boost::json::value& value);

/// Whether JSON text may hold one of those words outside strings: a quick test on serialized text
/// (a false positive only costs the check of the value).
inline bool may_have_non_finite(std::string_view text) {
  return text.find("Infinity") != std::string_view::npos ||
         text.find("NaN") != std::string_view::npos;
}

/// JSON text with non-finite numbers written as null (json_text::to_json: numbers as in
/// JavaScript).
std::string serialize(const boost::json::value& value);

}  // namespace soket::json_finite
