#include "soket/store/page_reader.hpp"

#include "soket/store/connection.hpp"
#include "soket/store/page_sql.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <utility>

namespace soket::store {
namespace {

constexpr std::int64_t kLowest = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kHighest = std::numeric_limits<std::int64_t>::max();

constexpr std::string_view kCommandColumns =
    "SELECT id, device_id, command, source, state, created_at, sent_at, acked_at, reply "
    "FROM commands ";

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

void bind_series(Statement& s, const std::string& device_id, const SeriesQuery& q, std::int64_t lo,
                 std::int64_t hi, std::int64_t limit) {
  s.bind(1, device_id);
  s.bind(2, lo);
  s.bind(3, hi);
  s.bind(4, q.after ? q.after->ts : kLowest);
  s.bind(5, q.after ? q.after->id : kLowest);
  s.bind(6, q.before ? q.before->ts : kHighest);
  s.bind(7, q.before ? q.before->id : kHighest);
  s.bind(8, limit);
}

std::optional<std::int64_t> optional_int(const Statement& s, int index) {
  if (s.column_is_null(index)) return std::nullopt;
  return s.column_int64(index);
}

Reading reading_row(const Statement& s) {
  return Reading{s.column_int64(0),           s.column_text(1),
                 s.column_int64(2),           s.column_text(3),
                 s.column_optional_double(4), s.column_optional_text(5)};
}

TextMessage text_row(const Statement& s) {
  return TextMessage{s.column_int64(0), s.column_text(1), s.column_int64(2), s.column_text(3)};
}

Command command_row(const Statement& s) {
  // The CHECK constraints of the schema guarantee known names.
  return Command{s.column_int64(0),
                 s.column_text(1),
                 s.column_text(2),
                 parse_command_source(s.column_text(3)).value_or(CommandSource::dashboard),
                 parse_command_state(s.column_text(4)).value_or(CommandState::failed),
                 s.column_int64(5),
                 optional_int(s, 6),
                 optional_int(s, 7),
                 s.column_optional_text(8)};
}

std::size_t command_slot(bool by_device, bool by_state, bool newest_first) {
  return (by_device ? 4u : 0u) + (by_state ? 2u : 0u) + (newest_first ? 1u : 0u);
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

namespace page_sql {

std::string series_rows(Series series, bool newest_first) {
  std::string sql = series == Series::readings
                        ? "SELECT id, device_id, ts, key, value, text FROM readings "
                        : "SELECT id, device_id, ts, text FROM text_messages ";
  sql +=
      "WHERE device_id = ?1 AND ts BETWEEN ?2 AND ?3 AND (ts > ?4 OR id > ?5) "
      "AND (ts < ?6 OR id < ?7) ";
  sql += newest_first ? "ORDER BY ts DESC, id DESC LIMIT ?8" : "ORDER BY ts, id LIMIT ?8";
  return sql;
}

std::string reading_times(bool newest_first) {
  std::string sql =
      "SELECT ts, min(id), max(id) FROM readings "
      "WHERE device_id = ?1 AND ts BETWEEN ?2 AND ?3 AND (ts > ?4 OR id > ?5) "
      "AND (ts < ?6 OR id < ?7) GROUP BY ts ";
  sql += newest_first ? "ORDER BY ts DESC LIMIT ?8" : "ORDER BY ts LIMIT ?8";
  return sql;
}

std::string commands(bool by_device, bool by_state, bool newest_first) {
  std::string sql(kCommandColumns);
  sql += "WHERE ";
  if (by_device) sql += "device_id = ?1 AND ";
  if (by_state) sql += "state = ?2 AND ";
  sql += "id > ?3 AND id < ?4 ";
  sql += newest_first ? "ORDER BY id DESC LIMIT ?5" : "ORDER BY id LIMIT ?5";
  return sql;
}

}  // namespace page_sql

PageReader::PageReader(const StoreOptions& options)
    : db_(open_connection(options, ConnectionRole::reader)),
      readings_asc_(*db_, page_sql::series_rows(page_sql::Series::readings, false)),
      readings_desc_(*db_, page_sql::series_rows(page_sql::Series::readings, true)),
      times_asc_(*db_, page_sql::reading_times(false)),
      times_desc_(*db_, page_sql::reading_times(true)),
      texts_asc_(*db_, page_sql::series_rows(page_sql::Series::texts, false)),
      texts_desc_(*db_, page_sql::series_rows(page_sql::Series::texts, true)) {
  for (bool by_device : {false, true})
    for (bool by_state : {false, true})
      for (bool newest_first : {false, true})
        commands_[command_slot(by_device, by_state, newest_first)] =
            Statement(*db_, page_sql::commands(by_device, by_state, newest_first));
}

PageReader::~PageReader() = default;

// Reads up to limit + 1 rows in the direction of the query: the extra one only tells whether more
// are left. The caller holds the mutex.
template <typename Row, typename Convert>
Page<Row> PageReader::series_page(Statement& stmt, const std::string& device_id,
                                  const SeriesQuery& query, std::int64_t lo, std::int64_t hi,
                                  std::int64_t limit, Convert convert) {
  Page<Row> page;
  if (lo > hi) return page;
  StatementScope scope(stmt);
  bind_series(stmt, device_id, query, lo, hi, limit + 1);
  while (stmt.step())
    page.rows.push_back(convert(stmt));
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
  return series_page<Reading>(query.forward() ? readings_asc_ : readings_desc_, device_id, query,
                              lo, hi, query.limit, reading_row);
}

Page<Reading> PageReader::readings_by_time(const std::string& device_id, const SeriesQuery& query) {
  check_limit(query.limit, kMaxTimes);
  auto [lo, hi] = ts_range(query);
  if (lo > hi) return {};
  std::lock_guard lock(mutex_);
  // First the page's timestamps (limit + 1 of them, to know whether more are left)...
  Statement& times = query.forward() ? times_asc_ : times_desc_;
  std::int64_t first = 0, last = 0, count = 0;
  {
    StatementScope scope(times);
    bind_series(times, device_id, query, lo, hi, query.limit + 1);
    while (times.step()) {
      if (count == query.limit) {
        ++count;
        break;
      }
      if (count == 0) first = times.column_int64(0);
      last = times.column_int64(0);
      ++count;
    }
  }
  if (count == 0) return {};
  // ...then every reading at those timestamps.
  if (query.forward()) {
    lo = first;
    hi = last;
  } else {
    lo = last;
    hi = first;
  }
  Page<Reading> page = series_page<Reading>(query.forward() ? readings_asc_ : readings_desc_,
                                            device_id, query, lo, hi, kMaxRows, reading_row);
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
  return series_page<TextMessage>(query.forward() ? texts_asc_ : texts_desc_, device_id, query, lo,
                                  hi, query.limit, text_row);
}

CommandPage PageReader::commands(const CommandQuery& query) {
  check_limit(query.limit, kMaxCommands);
  bool newest_first = !query.after;
  std::lock_guard lock(mutex_);
  Statement& stmt =
      commands_[command_slot(query.device.has_value(), query.state.has_value(), newest_first)];
  StatementScope scope(stmt);
  if (query.device) stmt.bind(1, *query.device);
  if (query.state) stmt.bind(2, to_string(*query.state));
  stmt.bind(3, query.after.value_or(kLowest));
  stmt.bind(4, query.before.value_or(kHighest));
  stmt.bind(5, query.limit + 1);
  CommandPage page;
  while (stmt.step())
    page.commands.push_back(command_row(stmt));
  if (static_cast<std::int64_t>(page.commands.size()) > query.limit) {
    page.commands.pop_back();
    page.next = page.commands.back().id;
  }
  if (!newest_first) std::reverse(page.commands.begin(), page.commands.end());
  return page;
}

}  // namespace soket::store
