#include "soket/store/postgres_schema.hpp"

#include <array>
#include <string>

namespace soket::store {
namespace {

constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE devices (
  id          TEXT COLLATE "C" PRIMARY KEY CHECK (id <> ''),
  name        TEXT,
  group_name  TEXT,
  kind        TEXT,
  transport   TEXT,
  address     TEXT,
  first_seen  BIGINT NOT NULL,
  last_seen   BIGINT NOT NULL,
  online      SMALLINT NOT NULL DEFAULT 0 CHECK (online IN (0, 1))
);
CREATE INDEX devices_group ON devices (group_name);

CREATE TABLE readings (
  id         BIGSERIAL PRIMARY KEY,
  device_id  TEXT COLLATE "C" NOT NULL REFERENCES devices (id),
  ts         BIGINT NOT NULL,
  key        TEXT COLLATE "C" NOT NULL CHECK (key <> ''),
  value      DOUBLE PRECISION,
  text       TEXT,
  CHECK (value IS NOT NULL OR text IS NOT NULL)
);
-- id in the index: the paged queries walk (device, ts, id) in order.
CREATE INDEX readings_device_ts ON readings (device_id, ts, id);

CREATE TABLE text_messages (
  id         BIGSERIAL PRIMARY KEY,
  device_id  TEXT COLLATE "C" NOT NULL REFERENCES devices (id),
  ts         BIGINT NOT NULL,
  text       TEXT NOT NULL
);
CREATE INDEX text_messages_device_ts ON text_messages (device_id, ts, id);

CREATE TABLE commands (
  id          BIGSERIAL PRIMARY KEY,
  device_id   TEXT COLLATE "C" NOT NULL REFERENCES devices (id),
  command     TEXT NOT NULL CHECK (command <> ''),
  source      TEXT NOT NULL CHECK (source IN ('dashboard', 'rest', 'cli', 'stdin', 'rule')),
  state       TEXT NOT NULL DEFAULT 'queued'
              CHECK (state IN ('queued', 'sent', 'acked', 'failed')),
  created_at  BIGINT NOT NULL,
  sent_at     BIGINT,
  acked_at    BIGINT,
  reply       TEXT
);
CREATE INDEX commands_device_state ON commands (device_id, state, id);

CREATE TABLE chat_messages (
  id      BIGSERIAL PRIMARY KEY,
  ts      BIGINT NOT NULL,
  "user"  TEXT NOT NULL,
  text    TEXT NOT NULL,
  origin  TEXT NOT NULL CHECK (origin IN ('tcp', 'web'))
);

CREATE TABLE alerts (
  id         BIGSERIAL PRIMARY KEY,
  ts         BIGINT NOT NULL,
  rule       TEXT NOT NULL,
  device_id  TEXT COLLATE "C" REFERENCES devices (id),
  message    TEXT NOT NULL,
  value      DOUBLE PRECISION
);
CREATE INDEX alerts_ts ON alerts (ts);
)sql";

constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE latest_readings (
  device_id  TEXT COLLATE "C" NOT NULL,
  key        TEXT COLLATE "C" NOT NULL,
  ts         BIGINT NOT NULL,
  value      DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (device_id, key)
);
INSERT INTO latest_readings (device_id, key, ts, value)
  SELECT DISTINCT ON (device_id, key) device_id, key, ts, value FROM readings
  WHERE value IS NOT NULL ORDER BY device_id, key, id DESC;
)sql";

constexpr std::string_view kVersion3 = R"sql(
CREATE INDEX IF NOT EXISTS commands_state_id ON commands (state, id);
CREATE INDEX IF NOT EXISTS commands_device_id ON commands (device_id, id);
)sql";

// Hub nodes sharing one database: the node a device is connected to (NULL when offline or when
// the hub runs alone).
constexpr std::string_view kVersion4 = R"sql(
ALTER TABLE devices ADD COLUMN node TEXT;
)sql";

// Readings are nearly all of the writes, and their foreign key to devices cost the server a
// trigger and an index probe per row (~5 of ~13 µs a row in a COPY). The writer checks the device
// itself (one query per batch; WHERE EXISTS when it replays a batch one statement at a time) and
// devices are never deleted, so the key only cost time. The other tables keep theirs.
constexpr std::string_view kVersion5 = R"sql(
ALTER TABLE readings DROP CONSTRAINT IF EXISTS readings_device_id_fkey;
)sql";

constexpr std::array<Migration, 5> kMigrations{{
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
    {4, kVersion4},
    {5, kVersion5},
}};

// Any fixed number: every soket node migrating one database takes the same lock.
constexpr std::int64_t kMigrationLock = 0x736f6b6574;  // "soket"

}  // namespace

std::span<const Migration> postgres_migrations() {
  return kMigrations;
}

std::int64_t schema_version(PgConnection& db) {
  auto exists = db.query("SELECT to_regclass('schema_version') IS NOT NULL");
  if (exists.rows() == 0 || exists.text(0, 0) != "t") return 0;
  auto version = db.query("SELECT max(version) FROM schema_version");
  return version.rows() == 0 || version.is_null(0, 0) ? 0 : version.int64(0, 0);
}

std::int64_t migrate(PgConnection& db, std::span<const Migration> steps) {
  db.exec("BEGIN");
  try {
    PgParams lock;
    lock.add(kMigrationLock);
    db.query("SELECT pg_advisory_xact_lock($1)", lock);
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);"
        "INSERT INTO schema_version (version) SELECT 0 WHERE NOT EXISTS "
        "(SELECT 1 FROM schema_version);");
    std::int64_t current = schema_version(db);
    std::int64_t latest = steps.empty() ? 0 : steps.back().version;
    if (current > latest)
      throw PgError("database schema version " + std::to_string(current) +
                    " is newer than this program supports (" + std::to_string(latest) + ")");
    std::int64_t previous = 0;
    for (const auto& step : steps) {
      if (step.version <= previous)
        throw PgError("migrations out of order at version " + std::to_string(step.version));
      previous = step.version;
      if (step.version <= current) continue;
      db.exec(std::string(step.sql));
      PgParams version;
      version.add(step.version);
      db.query("UPDATE schema_version SET version = $1", version);
      current = step.version;
    }
    db.exec("COMMIT");
    return current;
  } catch (...) {
    if (db.connected() && db.in_transaction()) db.exec("ROLLBACK");
    throw;
  }
}

}  // namespace soket::store
