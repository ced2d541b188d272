#include "soket/store/schema.hpp"

#include <array>
#include <string>

namespace soket::store {
namespace {

constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE devices (
  id          TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
  name        TEXT,
  group_name  TEXT,
  kind        TEXT,
  transport   TEXT,
  address     TEXT,
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  online      INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1))
);
CREATE INDEX devices_group ON devices (group_name);

CREATE TABLE readings (
  id         INTEGER PRIMARY KEY,
  device_id  TEXT NOT NULL REFERENCES devices (id),
  ts         INTEGER NOT NULL,
  key        TEXT NOT NULL CHECK (key <> ''),
  value      REAL,
  text       TEXT,
  CHECK (value IS NOT NULL OR text IS NOT NULL)
);
CREATE INDEX readings_device_ts ON readings (device_id, ts);

CREATE TABLE text_messages (
  id         INTEGER PRIMARY KEY,
  device_id  TEXT NOT NULL REFERENCES devices (id),
  ts         INTEGER NOT NULL,
  text       TEXT NOT NULL
);
CREATE INDEX text_messages_device_ts ON text_messages (device_id, ts);

CREATE TABLE commands (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id   TEXT NOT NULL REFERENCES devices (id),
  command     TEXT NOT NULL CHECK (command <> ''),
  source      TEXT NOT NULL CHECK (source IN ('dashboard', 'rest', 'cli', 'stdin', 'rule')),
  state       TEXT NOT NULL DEFAULT 'queued'
              CHECK (state IN ('queued', 'sent', 'acked', 'failed')),
  created_at  INTEGER NOT NULL,
  sent_at     INTEGER,
  acked_at    INTEGER,
  reply       TEXT
);
CREATE INDEX commands_device_state ON commands (device_id, state, id);

CREATE TABLE chat_messages (
  id      INTEGER PRIMARY KEY,
  ts      INTEGER NOT NULL,
  user    TEXT NOT NULL,
  text    TEXT NOT NULL,
  origin  TEXT NOT NULL CHECK (origin IN ('tcp', 'web'))
);

CREATE TABLE alerts (
  id         INTEGER PRIMARY KEY,
  ts         INTEGER NOT NULL,
  rule       TEXT NOT NULL,
  device_id  TEXT REFERENCES devices (id),
  message    TEXT NOT NULL,
  value      REAL
);
CREATE INDEX alerts_ts ON alerts (ts);
)sql";

// The latest numeric value of every (device, key), kept by the writer once per batch, so a
// restarted hub shows each device's latest values without scanning the readings.
constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE latest_readings (
  device_id  TEXT NOT NULL,
  key        TEXT NOT NULL,
  ts         INTEGER NOT NULL,
  value      REAL NOT NULL,
  PRIMARY KEY (device_id, key)
) WITHOUT ROWID;
INSERT INTO latest_readings (device_id, key, ts, value)
  SELECT device_id, key, ts, value FROM (
    SELECT device_id, key, ts, value, max(id) FROM readings
    WHERE value IS NOT NULL GROUP BY device_id, key);
)sql";

// The REST API lists commands newest first, of every device or one device, in one state or any
// (page_reader.cpp): each of those walks an index instead of sorting the table. (IF NOT EXISTS: a
// database whose recorded version was set back, as a test does, may have them already.)
constexpr std::string_view kVersion3 = R"sql(
CREATE INDEX IF NOT EXISTS commands_state_id ON commands (state, id);
CREATE INDEX IF NOT EXISTS commands_device_id ON commands (device_id, id);
)sql";

// Hub nodes sharing one database: the node a device is connected to (NULL when offline or when
// the hub runs alone).
constexpr std::string_view kVersion4 = R"sql(
ALTER TABLE devices ADD COLUMN node TEXT;
)sql";

// Version 5 drops the foreign key readings -> devices on PostgreSQL (postgres_schema.cpp). SQLite
// keeps it: its writer learns of an unknown device from it, and there it costs one index probe.
constexpr std::string_view kVersion5 = R"sql(
-- nothing to change on SQLite
)sql";

constexpr std::array<Migration, 5> kMigrations{{
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
    {4, kVersion4},
    {5, kVersion5},
}};

void ensure_version_table(Database& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
      "INSERT INTO schema_version (version) SELECT 0 WHERE NOT EXISTS "
      "(SELECT 1 FROM schema_version);");
}

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

std::int64_t schema_version(Database& db) {
  auto exists =
      db.query_int("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!exists) return 0;
  return db.query_int("SELECT max(version) FROM schema_version").value_or(0);
}

std::int64_t migrate(Database& db, std::span<const Migration> steps) {
  // IMMEDIATE takes the write lock first, so two processes opening one file cannot both migrate.
  db.exec("BEGIN IMMEDIATE");
  try {
    ensure_version_table(db);
    std::int64_t current = schema_version(db);
    std::int64_t latest = steps.empty() ? 0 : steps.back().version;
    if (current > latest)
      throw SqliteError(0, "database schema version " + std::to_string(current) +
                               " is newer than this program supports (" + std::to_string(latest) +
                               ")");
    std::int64_t previous = 0;
    for (const auto& step : steps) {
      if (step.version <= previous)
        throw SqliteError(0, "migrations out of order at version " + std::to_string(step.version));
      previous = step.version;
      if (step.version <= current) continue;
      db.exec(step.sql);
      Statement set(db, "UPDATE schema_version SET version = ?");
      set.bind(1, step.version);
      set.run();
      current = step.version;
    }
    db.exec("COMMIT");
    return current;
  } catch (...) {
    if (db.in_transaction()) db.exec("ROLLBACK");
    throw;
  }
}

}  // namespace soket::store
