#include "soket/store/sqlite_pages.hpp"

#include "soket/store/connection.hpp"
#include "soket/store/page_sql.hpp"
#include "soket/store/sqlite_rows.hpp"

namespace soket::store {
namespace {

using sqlite_rows::kCommandColumns;

void bind_series(Statement& s, const std::string& device_id, const SeriesRange& r) {
  s.bind(1, device_id);
  s.bind(2, r.lo);
  s.bind(3, r.hi);
  s.bind(4, r.after_ts);
  s.bind(5, r.after_id);
  s.bind(6, r.before_ts);
  s.bind(7, r.before_id);
  s.bind(8, r.limit);
}

std::size_t command_slot(bool by_device, bool by_state, bool newest_first) {
  return (by_device ? 4u : 0u) + (by_state ? 2u : 0u) + (newest_first ? 1u : 0u);
}

}  // namespace

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

SqlitePages::SqlitePages(const StoreOptions& options)
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

std::vector<Reading> SqlitePages::readings(const std::string& device_id, const SeriesRange& r) {
  Statement& stmt = r.newest_first ? readings_desc_ : readings_asc_;
  StatementScope scope(stmt);
  bind_series(stmt, device_id, r);
  std::vector<Reading> rows;
  while (stmt.step())
    rows.push_back(Reading{stmt.column_int64(0), stmt.column_text(1), stmt.column_int64(2),
                           stmt.column_text(3), stmt.column_optional_double(4),
                           stmt.column_optional_text(5)});
  return rows;
}

std::vector<TextMessage> SqlitePages::texts(const std::string& device_id, const SeriesRange& r) {
  Statement& stmt = r.newest_first ? texts_desc_ : texts_asc_;
  StatementScope scope(stmt);
  bind_series(stmt, device_id, r);
  std::vector<TextMessage> rows;
  while (stmt.step())
    rows.push_back(TextMessage{stmt.column_int64(0), stmt.column_text(1), stmt.column_int64(2),
                               stmt.column_text(3)});
  return rows;
}

std::vector<std::int64_t> SqlitePages::reading_times(const std::string& device_id,
                                                     const SeriesRange& r) {
  Statement& stmt = r.newest_first ? times_desc_ : times_asc_;
  StatementScope scope(stmt);
  bind_series(stmt, device_id, r);
  std::vector<std::int64_t> times;
  while (stmt.step())
    times.push_back(stmt.column_int64(0));
  return times;
}

std::vector<Command> SqlitePages::commands(const CommandRange& r) {
  Statement& stmt =
      commands_[command_slot(r.device != nullptr, r.state.has_value(), r.newest_first)];
  StatementScope scope(stmt);
  if (r.device) stmt.bind(1, *r.device);
  if (r.state) stmt.bind(2, to_string(*r.state));
  stmt.bind(3, r.after);
  stmt.bind(4, r.before);
  stmt.bind(5, r.limit);
  std::vector<Command> rows;
  while (stmt.step())
    rows.push_back(sqlite_rows::command(stmt));
  return rows;
}

}  // namespace soket::store
