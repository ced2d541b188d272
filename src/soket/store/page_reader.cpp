#include "soket/store/page_reader.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <utility>

namespace soket::store {
namespace {

constexpr std::int64_t kLowest = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kHighest = std::numeric_limits<std::int64_t>::max();

void check_limit(std::int64_t limit, std::int64_t max) {
  if (limit < 1 || limit > max)
    throw std::invalid_argument("limit must be between 1 and " + std::to_string(max));
}

// The ts range a series query can match: [from, to] narrowed by the cursors. Empty when lo > hi.
std::pair<std::int64_t, std::int64_t> ts_range(const SeriesQuery& q) {
  if (q.from > q.to) throw std::invalid_argument("from must not be after to");
  std::int64_t lo = bounded_time_ms(q.from), hi = bounded_time_ms(q.to);
  if (q.after) lo = std::max(lo, q.after->ts);
  if (q.before) hi = std::min(hi, q.before->ts);
  return {lo, hi};
}

SeriesRange series_range(const SeriesQuery& q, std::int64_t lo, std::int64_t hi,
                         std::int64_t limit) {
  return SeriesRange{lo,
                     hi,
                     q.after ? q.after->ts : kLowest,
                     q.after ? q.after->id : kLowest,
                     q.before ? q.before->ts : kHighest,
                     q.before ? q.before->id : kHighest,
                     limit,
                     !q.forward()};
}

}  // namespace

std::optional<Cursor> parse_cursor(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto whole = [](std::string_view digits, std::int64_t& out) {
    if (digits.empty() || digits.front() == '+') return false;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc() && end == digits.data() + digits.size();
  };
  Cursor cursor;
  if (!whole(text.substr(0, colon), cursor.ts) || !whole(text.substr(colon + 1), cursor.id))
    return std::nullopt;
  return cursor;
}

std::string to_string(const Cursor& cursor) {
  return std::to_string(cursor.ts) + ":" + std::to_string(cursor.id);
}

PageReader::PageReader(const StoreOptions& options) : backend_(open_page_backend(options)) {}

PageReader::~PageReader() = default;

// Reads up to limit + 1 rows in the direction of the query: the extra one only tells whether more
// are left. The caller holds the mutex.
template <typename Row, typename Query>
Page<Row> PageReader::series_page(Query query_rows, const SeriesQuery& query, std::int64_t lo,
                                  std::int64_t hi, std::int64_t limit) {
  Page<Row> page;
  if (lo > hi) return page;
  page.rows = query_rows(series_range(query, lo, hi, limit + 1));
  if (static_cast<std::int64_t>(page.rows.size()) > limit) {
    page.rows.pop_back();
    page.next = Cursor{page.rows.back().ts, page.rows.back().id};
  }
  if (!query.forward()) std::reverse(page.rows.begin(), page.rows.end());
  return page;
}

Page<Reading> PageReader::readings(const std::string& device_id, const SeriesQuery& query) {
  check_limit(query.limit, kMaxRows);
  auto [lo, hi] = ts_range(query);
  std::lock_guard lock(mutex_);
  return series_page<Reading>(
      [&](const SeriesRange& r) { return backend_->readings(device_id, r); }, query, lo, hi,
      query.limit);
}

Page<Reading> PageReader::readings_by_time(const std::string& device_id, const SeriesQuery& query) {
  check_limit(query.limit, kMaxTimes);
  auto [lo, hi] = ts_range(query);
  if (lo > hi) return {};
  std::lock_guard lock(mutex_);
  // First the page's timestamps (limit + 1 of them, to know whether more are left)...
  auto times = backend_->reading_times(device_id, series_range(query, lo, hi, query.limit + 1));
  if (times.empty()) return {};
  auto count = static_cast<std::int64_t>(times.size());
  std::int64_t first = times.front();
  std::int64_t last = times[static_cast<std::size_t>(std::min(count, query.limit) - 1)];
  // ...then every reading at those timestamps.
  if (query.forward()) {
    lo = first;
    hi = last;
  } else {
    lo = last;
    hi = first;
  }
  Page<Reading> page =
      series_page<Reading>([&](const SeriesRange& r) { return backend_->readings(device_id, r); },
                           query, lo, hi, kMaxRows);
  if (count > query.limit && !page.next && !page.rows.empty()) {
    const Reading& edge = query.forward() ? page.rows.back() : page.rows.front();
    page.next = Cursor{edge.ts, edge.id};
  }
  return page;
}

Page<TextMessage> PageReader::texts(const std::string& device_id, const SeriesQuery& query) {
  check_limit(query.limit, kMaxRows);
  auto [lo, hi] = ts_range(query);
  std::lock_guard lock(mutex_);
  return series_page<TextMessage>(
      [&](const SeriesRange& r) { return backend_->texts(device_id, r); }, query, lo, hi,
      query.limit);
}

CommandPage PageReader::commands(const CommandQuery& query) {
  check_limit(query.limit, kMaxCommands);
  std::lock_guard lock(mutex_);
  CommandRange range{
      query.device ? &*query.device : nullptr, query.state,     query.after.value_or(kLowest),
      query.before.value_or(kHighest),         query.limit + 1, !query.after};
  CommandPage page;
  page.commands = backend_->commands(range);
  if (static_cast<std::int64_t>(page.commands.size()) > query.limit) {
    page.commands.pop_back();
    page.next = page.commands.back().id;
  }
  if (!range.newest_first) std::reverse(page.commands.begin(), page.commands.end());
  return page;
}

}  // namespace soket::store
