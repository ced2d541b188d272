#include "soket/store/sqlite_reader.hpp"

#include "soket/store/connection.hpp"
#include "soket/store/sqlite_rows.hpp"

namespace soket::store {
namespace {

using sqlite_rows::kCommandColumns;
using sqlite_rows::kDeviceColumns;
using sqlite_rows::kReadingColumns;

std::string sql(std::string_view columns, std::string_view rest) {
  return std::string(columns) + std::string(rest);
}

template <typename Row, typename Convert>
std::vector<Row> collect(Statement& stmt, Convert convert) {
  std::vector<Row> rows;
  while (stmt.step())
    rows.push_back(convert(stmt));
  return rows;
}

}  // namespace

SqliteReader::SqliteReader(const StoreOptions& options)
    : db_(open_connection(options, ConnectionRole::reader)),
      devices_(*db_, sql(kDeviceColumns, "ORDER BY id")),
      device_(*db_, sql(kDeviceColumns, "WHERE id = ?1")),
      readings_asc_(*db_, sql(kReadingColumns,
                              "WHERE device_id = ?1 AND ts BETWEEN ?2 AND ?3 "
                              "ORDER BY ts, id LIMIT ?4")),
      readings_desc_(*db_, sql(kReadingColumns,
                               "WHERE device_id = ?1 AND ts BETWEEN ?2 AND ?3 "
                               "ORDER BY ts DESC, id DESC LIMIT ?4")),
      readings_span_(*db_,
                     "SELECT min(ts), max(ts) FROM readings "
                     "WHERE device_id = ?1 AND ts BETWEEN ?2 AND ?3 AND value IS NOT NULL"),
      readings_buckets_(*db_,
                        "SELECT key, (ts - ?4) / ?5 AS bucket, count(value), avg(value), "
                        "min(value), max(value) FROM readings "
                        "WHERE device_id = ?1 AND ts BETWEEN ?2 AND ?3 AND value IS NOT NULL "
                        "GROUP BY key, bucket ORDER BY key, bucket"),
      texts_(*db_,
             "SELECT id, device_id, ts, text FROM (SELECT * FROM text_messages "
             "WHERE device_id = ?1 ORDER BY ts DESC, id DESC LIMIT ?2) ORDER BY ts, id"),
      latest_(*db_,
              "SELECT device_id, key, ts, value FROM latest_readings ORDER BY device_id, key"),
      pending_(*db_, sql(kCommandColumns,
                         "WHERE device_id = ?1 AND state = 'queued' "
                         "ORDER BY id LIMIT ?2")),
      pending_or_sent_(*db_, sql(kCommandColumns,
                                 "WHERE device_id = ?1 AND state IN ('queued', 'sent') "
                                 "ORDER BY id LIMIT ?2")),
      command_(*db_, sql(kCommandColumns, "WHERE id = ?1")),
      chat_(*db_,
            "SELECT id, ts, user, text, origin FROM (SELECT * FROM chat_messages "
            "ORDER BY id DESC LIMIT ?1) ORDER BY id"),
      alerts_(*db_,
              "SELECT id, ts, rule, device_id, message, value FROM (SELECT * FROM alerts "
              "ORDER BY ts DESC, id DESC LIMIT ?1) ORDER BY ts, id"),
      alert_count_(*db_, "SELECT count(*) FROM alerts WHERE ts >= ?1") {}

std::vector<Device> SqliteReader::devices() {
  StatementScope scope(devices_);
  return collect<Device>(devices_, sqlite_rows::device);
}

std::vector<LatestValue> SqliteReader::latest_values() {
  StatementScope scope(latest_);
  return collect<LatestValue>(latest_, [](const Statement& s) {
    return LatestValue{s.column_text(0), s.column_text(1), s.column_int64(2), s.column_double(3)};
  });
}

std::optional<Device> SqliteReader::device(const std::string& id) {
  StatementScope scope(device_);
  device_.bind(1, id);
  if (!device_.step()) return std::nullopt;
  return sqlite_rows::device(device_);
}

std::vector<Reading> SqliteReader::readings(const std::string& device_id, std::int64_t from,
                                            std::int64_t to, std::int64_t limit,
                                            bool newest_first) {
  Statement& stmt = newest_first ? readings_desc_ : readings_asc_;
  StatementScope scope(stmt);
  stmt.bind(1, device_id);
  stmt.bind(2, from);
  stmt.bind(3, to);
  stmt.bind(4, limit);
  return collect<Reading>(stmt, sqlite_rows::reading);
}

std::optional<std::pair<std::int64_t, std::int64_t>> SqliteReader::numeric_span(
    const std::string& device_id, std::int64_t from, std::int64_t to) {
  StatementScope scope(readings_span_);
  readings_span_.bind(1, device_id);
  readings_span_.bind(2, from);
  readings_span_.bind(3, to);
  if (!readings_span_.step() || readings_span_.column_is_null(0)) return std::nullopt;
  return std::pair{readings_span_.column_int64(0), readings_span_.column_int64(1)};
}

std::vector<ReadingBucket> SqliteReader::buckets(const std::string& device_id, std::int64_t first,
                                                 std::int64_t last, std::int64_t width) {
  StatementScope scope(readings_buckets_);
  readings_buckets_.bind(1, device_id);
  readings_buckets_.bind(2, first);
  readings_buckets_.bind(3, last);
  readings_buckets_.bind(4, first);
  readings_buckets_.bind(5, width);
  std::vector<ReadingBucket> buckets;
  while (readings_buckets_.step()) {
    buckets.push_back(ReadingBucket{
        readings_buckets_.column_text(0), first + readings_buckets_.column_int64(1) * width, width,
        readings_buckets_.column_int64(2), readings_buckets_.column_double(3),
        readings_buckets_.column_double(4), readings_buckets_.column_double(5)});
  }
  return buckets;
}

std::vector<TextMessage> SqliteReader::text_messages(const std::string& device_id,
                                                     std::int64_t limit) {
  StatementScope scope(texts_);
  texts_.bind(1, device_id);
  texts_.bind(2, limit);
  return collect<TextMessage>(texts_, [](const Statement& s) {
    return TextMessage{s.column_int64(0), s.column_text(1), s.column_int64(2), s.column_text(3)};
  });
}

std::vector<Command> SqliteReader::pending_commands(const std::string& device_id, bool include_sent,
                                                    std::int64_t limit) {
  Statement& stmt = include_sent ? pending_or_sent_ : pending_;
  StatementScope scope(stmt);
  stmt.bind(1, device_id);
  stmt.bind(2, limit);
  return collect<Command>(stmt, sqlite_rows::command);
}

std::optional<Command> SqliteReader::command(std::int64_t id) {
  StatementScope scope(command_);
  command_.bind(1, id);
  if (!command_.step()) return std::nullopt;
  return sqlite_rows::command(command_);
}

std::vector<ChatMessage> SqliteReader::recent_chat(std::int64_t limit) {
  StatementScope scope(chat_);
  chat_.bind(1, limit);
  return collect<ChatMessage>(chat_, [](const Statement& s) {
    return ChatMessage{s.column_int64(0), s.column_int64(1), s.column_text(2), s.column_text(3),
                       parse_chat_origin(s.column_text(4)).value_or(ChatOrigin::tcp)};
  });
}

std::vector<Alert> SqliteReader::recent_alerts(std::int64_t limit) {
  StatementScope scope(alerts_);
  alerts_.bind(1, limit);
  return collect<Alert>(alerts_, [](const Statement& s) {
    return Alert{s.column_int64(0),         s.column_int64(1), s.column_text(2),
                 s.column_optional_text(3), s.column_text(4),  s.column_optional_double(5)};
  });
}

std::int64_t SqliteReader::alert_count(std::int64_t since) {
  StatementScope scope(alert_count_);
  alert_count_.bind(1, since);
  return alert_count_.step() ? alert_count_.column_int64(0) : 0;
}

}  // namespace soket::store
