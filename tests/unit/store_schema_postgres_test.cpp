#include "soket/store/postgres_schema.hpp"
#include "soket/store/store.hpp"

#include <gtest/gtest.h>

#include "store_backends.hpp"

#include <array>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

// The PostgreSQL schema and its migrations (the SQLite ones: store_schema_test.cpp).
namespace soket::store {
namespace {

class StoreSchemaPostgres : public testing::PostgresTest {
 protected:
  std::int64_t count(PgConnection& db, const std::string& sql) { return db.query(sql).int64(0, 0); }
  bool table_exists(PgConnection& db, const std::string& name) {
    PgParams p;
    p.add(name);
    return db.query("SELECT to_regclass($1) IS NOT NULL", p).text(0, 0) == "t";
  }
};

TEST_F(StoreSchemaPostgres, SameVersionsAsSqlite) {
  auto sqlite = migrations();
  auto postgres = postgres_migrations();
  ASSERT_EQ(sqlite.size(), postgres.size());
  for (std::size_t i = 0; i < sqlite.size(); ++i)
    EXPECT_EQ(sqlite[i].version, postgres[i].version);
}

TEST_F(StoreSchemaPostgres, FreshDatabaseGetsEveryTable) {
  { Store store(options()); }
  PgConnection db(target_->url());
  for (const char* table : {"devices", "readings", "text_messages", "commands", "chat_messages",
                            "alerts", "latest_readings", "schema_version"})
    EXPECT_TRUE(table_exists(db, table)) << table;
  EXPECT_EQ(schema_version(db), postgres_migrations().back().version);
}

// Version 5 drops the foreign key of readings (the writer checks the device); the other tables
// keep theirs. Applied to a database of version 4 as to a fresh one.
TEST_F(StoreSchemaPostgres, ReadingsHaveNoForeignKeyFromVersion5) {
  PgConnection db(target_->url());
  EXPECT_EQ(migrate(db, postgres_migrations().first(4)), 4);
  auto foreign_keys = [&](const char* table) {
    return count(db, std::string("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                                 "conrelid = '") +
                         table + "'::regclass");
  };
  EXPECT_EQ(foreign_keys("readings"), 1);
  EXPECT_EQ(migrate(db), 5);
  EXPECT_EQ(foreign_keys("readings"), 0);
  EXPECT_EQ(foreign_keys("text_messages"), 1);
  EXPECT_EQ(foreign_keys("commands"), 1);
  EXPECT_EQ(foreign_keys("alerts"), 1);
}

TEST_F(StoreSchemaPostgres, ReopenKeepsVersionAndData) {
  PgConnection db(target_->url());
  migrate(db);
  db.exec("INSERT INTO devices (id, first_seen, last_seen) VALUES ('esp', 1, 2)");
  // Migrating again applies nothing (it would fail on CREATE TABLE otherwise).
  EXPECT_EQ(migrate(db), postgres_migrations().back().version);
  EXPECT_EQ(count(db, "SELECT count(*) FROM devices"), 1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM schema_version"), 1);
}

TEST_F(StoreSchemaPostgres, AppliesOnlyNewerSteps) {
  PgConnection db(target_->url());
  std::array<Migration, 1> v1{{{1, "CREATE TABLE t (a INTEGER)"}}};
  EXPECT_EQ(migrate(db, v1), 1);
  db.exec("INSERT INTO t VALUES (7)");
  std::array<Migration, 2> v2{
      {{1, "CREATE TABLE t (a INTEGER)"}, {2, "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'"}}};
  EXPECT_EQ(migrate(db, v2), 2);
  EXPECT_EQ(count(db, "SELECT count(*) FROM t WHERE a = 7 AND b = 'x'"), 1);
}

TEST_F(StoreSchemaPostgres, FailingStepRollsBackEverything) {
  PgConnection db(target_->url());
  std::array<Migration, 2> steps{{{1, "CREATE TABLE t (a INTEGER)"}, {2, "NOT SQL AT ALL"}}};
  EXPECT_THROW(migrate(db, steps), PgError);
  EXPECT_FALSE(db.in_transaction());
  EXPECT_EQ(schema_version(db), 0);
  EXPECT_FALSE(table_exists(db, "t"));
}

TEST_F(StoreSchemaPostgres, RefusesNewerDatabase) {
  PgConnection db(target_->url());
  migrate(db);
  db.exec("UPDATE schema_version SET version = 999");
  try {
    Store store(options());
    FAIL() << "expected an error";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
  EXPECT_EQ(schema_version(db), 999);
}

TEST_F(StoreSchemaPostgres, RefusesStepsOutOfOrder) {
  PgConnection db(target_->url());
  std::array<Migration, 2> steps{{{2, "CREATE TABLE t (a INTEGER)"}, {1, "SELECT 1"}}};
  EXPECT_THROW(migrate(db, steps), PgError);
  EXPECT_EQ(schema_version(db), 0);
}

// Nodes starting at once on a fresh database: the advisory lock makes them migrate one after the
// other, so none fails on a table another one is creating, and the version is recorded once.
TEST_F(StoreSchemaPostgres, ConcurrentStartsMigrateOnce) {
  constexpr int kNodes = 6;
  std::vector<std::unique_ptr<PgConnection>> connections;
  for (int i = 0; i < kNodes; ++i)
    connections.push_back(std::make_unique<PgConnection>(target_->url()));
  std::atomic<int> ready{0};
  std::atomic<int> ok{0};
  std::vector<std::string> errors(kNodes);
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < kNodes)
        std::this_thread::yield();
      try {
        if (migrate(*connections[i]) == postgres_migrations().back().version) ok.fetch_add(1);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& node : nodes)
    node.join();
  for (const auto& error : errors)
    EXPECT_EQ(error, "");
  EXPECT_EQ(ok.load(), kNodes);
  EXPECT_EQ(count(*connections[0], "SELECT count(*) FROM schema_version"), 1);
}

// The migration to version 2 fills latest_readings from the readings already stored.
TEST_F(StoreSchemaPostgres, LatestReadingsAreBackfilled) {
  PgConnection db(target_->url());
  migrate(db, postgres_migrations().first(1));
  db.exec(
      "INSERT INTO devices (id, first_seen, last_seen) VALUES ('esp', 1, 1);"
      "INSERT INTO readings (device_id, ts, key, value, text) VALUES "
      "('esp', 5, 'temp', 20, NULL), ('esp', 9, 'temp', 21, NULL), ('esp', 7, 'temp', 19, NULL),"
      "('esp', 9, 'note', NULL, 'x')");
  migrate(db);
  auto latest = db.query("SELECT key, ts, value FROM latest_readings ORDER BY key");
  ASSERT_EQ(latest.rows(), 1);
  EXPECT_EQ(latest.string(0, 0), "temp");
  EXPECT_EQ(latest.int64(0, 1), 7);  // the last one inserted, as in SQLite (max id)
  EXPECT_EQ(latest.real(0, 2), 19.0);
}

}  // namespace
}  // namespace soket::store
