#include "soket/store/postgres_reader.hpp"

#include "soket/store/postgres_rows.hpp"

namespace soket::store {

using namespace pg_rows;

PgResult read_query(std::unique_ptr<PgConnection>& db, const std::string& url,
                    const std::string& sql, const PgParams& params) {
  if (!db || !db->connected()) {
    db.reset();
    db = std::make_unique<PgConnection>(url);
  }
  try {
    return db->query(sql, params);
  } catch (const PgError&) {
    if (db->connected()) throw;  // the query's own error
  }
  db.reset();
  db = std::make_unique<PgConnection>(url);
  return db->query(sql, params);
}

PostgresReader::PostgresReader(const StoreOptions& options)
    : url_(options.url), db_(std::make_unique<PgConnection>(options.url)) {}

PgResult PostgresReader::query(const std::string& sql, const PgParams& params) {
  return read_query(db_, url_, sql, params);
}

std::vector<Device> PostgresReader::devices() {
  return all<Device>(query(std::string(kDeviceColumns) + "ORDER BY id"), pg_rows::device);
}

std::optional<Device> PostgresReader::device(const std::string& id) {
  PgParams p;
  p.add(id);
  auto r = query(std::string(kDeviceColumns) + "WHERE id = $1", p);
  if (r.rows() == 0) return std::nullopt;
  return pg_rows::device(r, 0);
}

std::vector<Reading> PostgresReader::readings(const std::string& device_id, std::int64_t from,
                                              std::int64_t to, std::int64_t limit,
                                              bool newest_first) {
  PgParams p;
  p.add(device_id).add(from).add(to).add(limit);
  std::string sql = std::string(kReadingColumns) + "WHERE device_id = $1 AND ts BETWEEN $2 AND $3 ";
  sql += newest_first ? "ORDER BY ts DESC, id DESC LIMIT $4" : "ORDER BY ts, id LIMIT $4";
  return all<Reading>(query(sql, p), pg_rows::reading);
}

std::optional<std::pair<std::int64_t, std::int64_t>> PostgresReader::numeric_span(
    const std::string& device_id, std::int64_t from, std::int64_t to) {
  PgParams p;
  p.add(device_id).add(from).add(to);
  auto r = query(
      "SELECT min(ts), max(ts) FROM readings "
      "WHERE device_id = $1 AND ts BETWEEN $2 AND $3 AND value IS NOT NULL",
      p);
  if (r.rows() == 0 || r.is_null(0, 0)) return std::nullopt;
  return std::pair{r.int64(0, 0), r.int64(0, 1)};
}

std::vector<ReadingBucket> PostgresReader::buckets(const std::string& device_id, std::int64_t first,
                                                   std::int64_t last, std::int64_t width) {
  PgParams p;
  p.add(device_id).add(first).add(last).add(width);
  auto r = query(
      "SELECT key, (ts - $2::bigint) / $4::bigint AS bucket, count(value), avg(value), "
      "min(value), max(value) FROM readings "
      "WHERE device_id = $1 AND ts BETWEEN $2 AND $3 AND value IS NOT NULL "
      "GROUP BY key, bucket ORDER BY key, bucket",
      p);
  std::vector<ReadingBucket> buckets;
  buckets.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    buckets.push_back(ReadingBucket{r.string(i, 0), first + r.int64(i, 1) * width, width,
                                    r.int64(i, 2), r.real(i, 3), r.real(i, 4), r.real(i, 5)});
  return buckets;
}

std::vector<LatestValue> PostgresReader::latest_values() {
  auto r = query("SELECT device_id, key, ts, value FROM latest_readings ORDER BY device_id, key");
  return all<LatestValue>(r, [](const PgResult& r, int i) {
    return LatestValue{r.string(i, 0), r.string(i, 1), r.int64(i, 2), r.real(i, 3)};
  });
}

std::vector<TextMessage> PostgresReader::text_messages(const std::string& device_id,
                                                       std::int64_t limit) {
  PgParams p;
  p.add(device_id).add(limit);
  auto r = query(
      "SELECT id, device_id, ts, text FROM (SELECT * FROM text_messages "
      "WHERE device_id = $1 ORDER BY ts DESC, id DESC LIMIT $2) AS t ORDER BY ts, id",
      p);
  return all<TextMessage>(r, pg_rows::text_message);
}

std::vector<Command> PostgresReader::pending_commands(const std::string& device_id,
                                                      bool include_sent, std::int64_t limit) {
  PgParams p;
  p.add(device_id).add(limit);
  std::string sql = std::string(kCommandColumns) + "WHERE device_id = $1 AND state ";
  sql += include_sent ? "IN ('queued', 'sent') " : "= 'queued' ";
  sql += "ORDER BY id LIMIT $2";
  return all<Command>(query(sql, p), pg_rows::command);
}

std::optional<Command> PostgresReader::command(std::int64_t id) {
  PgParams p;
  p.add(id);
  auto r = query(std::string(kCommandColumns) + "WHERE id = $1", p);
  if (r.rows() == 0) return std::nullopt;
  return pg_rows::command(r, 0);
}

std::vector<ChatMessage> PostgresReader::recent_chat(std::int64_t limit) {
  PgParams p;
  p.add(limit);
  auto r = query(
      "SELECT id, ts, \"user\", text, origin FROM (SELECT * FROM chat_messages "
      "ORDER BY id DESC LIMIT $1) AS c ORDER BY id",
      p);
  return all<ChatMessage>(r, [](const PgResult& r, int i) {
    return ChatMessage{r.int64(i, 0), r.int64(i, 1), r.string(i, 2), r.string(i, 3),
                       parse_chat_origin(r.text(i, 4)).value_or(ChatOrigin::tcp)};
  });
}

std::vector<Alert> PostgresReader::recent_alerts(std::int64_t limit) {
  PgParams p;
  p.add(limit);
  auto r = query(
      "SELECT id, ts, rule, device_id, message, value FROM (SELECT * FROM alerts "
      "ORDER BY ts DESC, id DESC LIMIT $1) AS a ORDER BY ts, id",
      p);
  return all<Alert>(r, [](const PgResult& r, int i) {
    return Alert{r.int64(i, 0),           r.int64(i, 1),  r.string(i, 2),
                 r.optional_string(i, 3), r.string(i, 4), r.optional_real(i, 5)};
  });
}

std::int64_t PostgresReader::alert_count(std::int64_t since) {
  PgParams p;
  p.add(since);
  auto r = query("SELECT count(*) FROM alerts WHERE ts >= $1", p);
  return r.rows() > 0 ? r.int64(0, 0) : 0;
}

}  // namespace soket::store
