#include "soket/store/postgres_pages.hpp"

#include "soket/store/postgres_reader.hpp"
#include "soket/store/postgres_rows.hpp"

namespace soket::store {

PostgresPages::PostgresPages(const StoreOptions& options)
    : url_(options.url), db_(std::make_unique<PgConnection>(options.url)) {}

// Rows of one device strictly between the (ts, id) cursors $4,$5 and $6,$7, ts in [$2, $3].
PgResult PostgresPages::series(const std::string& select, const std::string& device_id,
                               const SeriesRange& r, std::string_view group_by) {
  PgParams p;
  p.add(device_id).add(r.lo).add(r.hi).add(r.after_ts).add(r.after_id).add(r.before_ts);
  p.add(r.before_id).add(r.limit);
  std::string sql = select +
                    "WHERE device_id = $1 AND ts BETWEEN $2 AND $3 AND (ts > $4 OR id > $5) "
                    "AND (ts < $6 OR id < $7) ";
  sql += group_by;
  if (group_by.empty())
    sql += r.newest_first ? "ORDER BY ts DESC, id DESC LIMIT $8" : "ORDER BY ts, id LIMIT $8";
  else
    sql += r.newest_first ? "ORDER BY ts DESC LIMIT $8" : "ORDER BY ts LIMIT $8";
  return read_query(db_, url_, sql, p);
}

std::vector<Reading> PostgresPages::readings(const std::string& device_id, const SeriesRange& r) {
  return pg_rows::all<Reading>(series(pg_rows::kReadingColumns, device_id, r, {}),
                               pg_rows::reading);
}

std::vector<TextMessage> PostgresPages::texts(const std::string& device_id, const SeriesRange& r) {
  return pg_rows::all<TextMessage>(
      series("SELECT id, device_id, ts, text FROM text_messages ", device_id, r, {}),
      pg_rows::text_message);
}

std::vector<std::int64_t> PostgresPages::reading_times(const std::string& device_id,
                                                       const SeriesRange& r) {
  auto result = series("SELECT ts FROM readings ", device_id, r, "GROUP BY ts ");
  std::vector<std::int64_t> times;
  times.reserve(static_cast<std::size_t>(result.rows()));
  for (int i = 0; i < result.rows(); ++i)
    times.push_back(result.int64(i, 0));
  return times;
}

std::vector<Command> PostgresPages::commands(const CommandRange& r) {
  PgParams p;
  std::string sql = std::string(pg_rows::kCommandColumns) + "WHERE ";
  auto next = [&p] { return "$" + std::to_string(p.size()); };
  if (r.device) {
    p.add(*r.device);
    sql += "device_id = " + next() + " AND ";
  }
  if (r.state) {
    p.add(to_string(*r.state).data());
    sql += "state = " + next() + " AND ";
  }
  p.add(r.after);
  sql += "id > " + next() + " AND ";
  p.add(r.before);
  sql += "id < " + next() + " ";
  p.add(r.limit);
  sql += (r.newest_first ? "ORDER BY id DESC LIMIT " : "ORDER BY id LIMIT ") + next();
  return pg_rows::all<Command>(read_query(db_, url_, sql, p), pg_rows::command);
}

}  // namespace soket::store
