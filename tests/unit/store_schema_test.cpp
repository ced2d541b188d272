#include "soket/store/connection.hpp"
#include "soket/store/schema.hpp"
#include "soket/store/store.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace soket::store {
namespace {

using soket::testing::TempDir;

bool table_exists(Database& db, const std::string& name) {
  Statement stmt(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  stmt.bind(1, name);
  return stmt.step();
}

TEST(StoreSchema, FreshDatabaseGetsEveryTable) {
  TempDir dir;
  Database db(dir.file("a.db").string());
  EXPECT_EQ(schema_version(db), 0);
  EXPECT_EQ(migrate(db), migrations().back().version);
  EXPECT_EQ(schema_version(db), migrations().back().version);
  for (const char* table :
       {"devices", "readings", "text_messages", "commands", "chat_messages", "alerts"})
    EXPECT_TRUE(table_exists(db, table)) << table;
}

TEST(StoreSchema, ReopenKeepsVersionAndData) {
  TempDir dir;
  {
    Database db(dir.file("a.db").string());
    migrate(db);
    db.exec("INSERT INTO devices (id, first_seen, last_seen) VALUES ('esp', 1, 2)");
  }
  Database db(dir.file("a.db").string());
  // Migrating again applies nothing (it would fail on CREATE TABLE otherwise).
  EXPECT_EQ(migrate(db), migrations().back().version);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM devices"), 1);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM schema_version"), 1);
}

TEST(StoreSchema, AppliesOnlyNewerSteps) {
  TempDir dir;
  Database db(dir.file("a.db").string());
  std::array<Migration, 1> v1{{{1, "CREATE TABLE t (a INTEGER)"}}};
  EXPECT_EQ(migrate(db, v1), 1);
  db.exec("INSERT INTO t VALUES (7)");
  std::array<Migration, 2> v2{
      {{1, "CREATE TABLE t (a INTEGER)"}, {2, "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'"}}};
  EXPECT_EQ(migrate(db, v2), 2);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM t WHERE a = 7 AND b = 'x'"), 1);
}

TEST(StoreSchema, FailingStepRollsBackEverything) {
  TempDir dir;
  Database db(dir.file("a.db").string());
  std::array<Migration, 2> steps{{{1, "CREATE TABLE t (a INTEGER)"}, {2, "NOT SQL AT ALL"}}};
  EXPECT_THROW(migrate(db, steps), SqliteError);
  EXPECT_FALSE(db.in_transaction());
  EXPECT_EQ(schema_version(db), 0);
  EXPECT_FALSE(table_exists(db, "t"));
}

TEST(StoreSchema, RefusesNewerDatabase) {
  TempDir dir;
  Database db(dir.file("a.db").string());
  migrate(db);
  db.exec("UPDATE schema_version SET version = 999");
  try {
    migrate(db);
    FAIL() << "expected an error";
  } catch (const SqliteError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
  EXPECT_EQ(schema_version(db), 999);
}

TEST(StoreSchema, RefusesStepsOutOfOrder) {
  TempDir dir;
  Database db(dir.file("a.db").string());
  std::array<Migration, 2> steps{{{2, "CREATE TABLE t (a INTEGER)"}, {1, "SELECT 1"}}};
  EXPECT_THROW(migrate(db, steps), SqliteError);
  EXPECT_EQ(schema_version(db), 0);
}

TEST(StoreSchema, ConnectionsUseWalAndForeignKeys) {
  TempDir dir;
  StoreOptions options{.path = dir.file("a.db")};
  Store store(options);
  auto db = open_connection(options, ConnectionRole::writer);
  Statement mode(*db, "PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.column_text(0), "wal");
  EXPECT_EQ(db->query_int("PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(db->query_int("PRAGMA foreign_keys"), 1);

  options.sync = SyncMode::normal;
  auto normal = open_connection(options, ConnectionRole::reader);
  EXPECT_EQ(normal->query_int("PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_THROW(normal->exec("INSERT INTO devices (id, first_seen, last_seen) VALUES ('x', 1, 1)"),
               SqliteError);  // query_only
}

TEST(StoreSchema, OpenFailsClearlyForMissingDirectory) {
  TempDir dir;
  StoreOptions options{.path = dir.file("missing/sub/a.db")};
  EXPECT_THROW(Store store(options), SqliteError);
}

}  // namespace
}  // namespace soket::store
