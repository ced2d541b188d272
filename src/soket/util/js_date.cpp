#include "soket/util/js_date.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace soket {
namespace {

struct CivilDate {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// Howard Hinnant's days_from_civil inverse: proleptic Gregorian calendar, day 0 = 1970-01-01.
CivilDate civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

}  // namespace

std::optional<std::string> js_date_iso_string(double ms) {
  constexpr double kMaxTime = 8.64e15;  // ECMAScript TimeClip
  if (!std::isfinite(ms) || std::fabs(ms) > kMaxTime) return std::nullopt;
  auto t = static_cast<int64_t>(std::trunc(ms));
  constexpr int64_t kMsPerDay = 86400000;
  int64_t days = t / kMsPerDay;
  int64_t in_day = t % kMsPerDay;
  if (in_day < 0) {
    in_day += kMsPerDay;
    --days;
  }
  CivilDate date = civil_from_days(days);
  char year[24];  // room for any int64 year, though a valid date has at most 6 digits
  if (date.year >= 0 && date.year <= 9999)
    std::snprintf(year, sizeof year, "%04lld", static_cast<long long>(date.year));
  else
    std::snprintf(year, sizeof year, "%c%06lld", date.year < 0 ? '-' : '+',
                  static_cast<long long>(date.year < 0 ? -date.year : date.year));
  char text[64];
  int n = std::snprintf(text, sizeof text, "%s-%02u-%02uT%02d:%02d:%02d.%03dZ", year, date.month,
                        date.day, static_cast<int>(in_day / 3600000),
                        static_cast<int>(in_day / 60000 % 60), static_cast<int>(in_day / 1000 % 60),
                        static_cast<int>(in_day % 1000));
  return std::string(text, static_cast<std::size_t>(n));
}

}  // namespace soket
