#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <string>

// JSON text as JavaScript's JSON.stringify writes it. Boost.JSON 1.81 writes every double in
// scientific form (22.2 as 2.22E1, 22.0 as 2.2E1) and infinity/NaN as bare words no parser takes;
// people and JSON.stringify write 22.2 and 22, and null for the non-finite ones.
namespace soket::json_text {

/// Room for any number format_number() writes.
inline constexpr std::size_t kMaxNumberChars = 32;

/// Writes `value` as JavaScript's Number#toString does: the shortest digits that read back as
/// the same double, in plain notation from 1e-7 < |value| < 1e21 (22.2, 22, 0.000001, -0.5), else
/// in exponent form (1e+21, 1e-7, 1.5e+300); -0 is written 0. Returns the number of chars written
/// to `out` (which has kMaxNumberChars), or 0 for NaN and infinities (nothing is written).
std::size_t format_number(double value, char* out);

/// Appends format_number(value); returns false (appending nothing) for NaN and infinities.
bool append_number(std::string& out, double value);

/// Appends `value` as compact JSON: numbers as format_number() (non-finite ones as null),
/// integers as integers, strings escaped as JSON.stringify does (", \, control characters).
void append_json(std::string& out, const boost::json::value& value);

/// append_json() to a new string.
std::string to_json(const boost::json::value& value);

}  // namespace soket::json_text
