#pragma once

#include <optional>
#include <string>

namespace soket {

/// What JavaScript's `new Date(ms).toJSON()` gives: the ISO 8601 form ("2023-11-14T22:13:20.123Z",
/// years outside 0..9999 as "+275760-..." / "-000001-..."), or nullopt for an invalid date (not
/// finite or more than 8.64e15 ms from the epoch). `ms` is truncated towards zero, as Date does.
std::optional<std::string> js_date_iso_string(double ms);

}  // namespace soket
