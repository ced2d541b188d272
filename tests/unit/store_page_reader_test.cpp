#include "soket/store/page_reader.hpp"
#include "soket/store/page_sql.hpp"
#include "soket/store/store.hpp"

#include <gtest/gtest.h>

#include "store_backends.hpp"

#include <chrono>
#include <future>
#include <iostream>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace soket::store {
namespace {

using namespace std::chrono_literals;
using testing::Backend;

class StorePageReaderTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_.emplace(options());
  }

  WriteResult put(WriteOp op) {
    std::promise<WriteResult> promise;
    auto future = promise.get_future();
    if (store_->writer().submit(std::move(op), [&](const WriteResult& r) {
          promise.set_value(r);
        }) != SubmitResult::accepted)
      throw std::runtime_error("not accepted");
    if (future.wait_for(10s) != std::future_status::ready)
      throw std::runtime_error("no completion");
    return future.get();
  }

  void device(const std::string& id) { ASSERT_TRUE(put(UpsertDevice{.id = id, .ts = 1}).ok()); }

  // Messages of three readings each; several share a timestamp.
  void readings(const std::string& id, const std::vector<std::int64_t>& times) {
    for (std::size_t i = 0; i < times.size(); ++i) {
      double v = static_cast<double>(i);
      ASSERT_TRUE(put(InsertReadings{.device_id = id,
                                     .ts = times[i],
                                     .samples = {{.key = "temp", .value = 20 + v},
                                                 {.key = "hum", .value = 50 + v},
                                                 {.key = "note", .text = "n" + std::to_string(i)}}})
                      .ok());
    }
  }

  std::vector<Reading> all(const std::string& id) {
    return pages().readings(id, SeriesQuery{.limit = PageReader::kMaxRows}).rows;
  }

  PageReader& pages() { return store_->pages(); }

  std::optional<Store> store_;
};

std::vector<std::int64_t> ids(const std::vector<Reading>& rows) {
  std::vector<std::int64_t> out;
  for (const auto& r : rows)
    out.push_back(r.id);
  return out;
}

TEST(StoreCursor, ParsesAndWrites) {
  EXPECT_EQ(parse_cursor("1733100000000:42"), (Cursor{1733100000000, 42}));
  EXPECT_EQ(parse_cursor("-5:0"), (Cursor{-5, 0}));
  EXPECT_EQ(to_string(Cursor{1733100000000, 42}), "1733100000000:42");
  EXPECT_EQ(parse_cursor(to_string(Cursor{-7, 9})), (Cursor{-7, 9}));
  for (const char* bad : {"", ":", "1:", ":1", "1", "a:b", "1:2:3", "+1:2", " 1:2", "1:2 ", "1.5:2",
                          "99999999999999999999:1", "1:0x10"})
    EXPECT_FALSE(parse_cursor(bad).has_value()) << bad;
}

TEST_P(StorePageReaderTest, PagesBackAcrossSharedTimestampsWithoutGapsOrRepeats) {
  device("d");
  readings("d", {100, 100, 100, 200, 200, 300, 300, 300, 300, 400});
  auto everything = all("d");
  ASSERT_EQ(everything.size(), 30u);
  // Newest first by pages of 7, each listed oldest first; `next` leads to the older rows.
  std::vector<Reading> seen;
  SeriesQuery query{.limit = 7};
  int pages_read = 0;
  while (true) {
    auto page = pages().readings("d", query);
    ASSERT_LE(page.rows.size(), 7u);
    seen.insert(seen.begin(), page.rows.begin(), page.rows.end());
    ++pages_read;
    if (!page.next) break;
    ASSERT_EQ(*page.next, (Cursor{page.rows.front().ts, page.rows.front().id}));
    query.before = page.next;
    // A row written meanwhile at a timestamp already paged through does not shift the pages.
    if (pages_read == 1) readings("d", {400, 300});
    ASSERT_LT(pages_read, 10);
  }
  EXPECT_EQ(pages_read, 5);
  EXPECT_EQ(ids(seen), ids(everything));
}

TEST_P(StorePageReaderTest, PagesForwardFromACursor) {
  device("d");
  readings("d", {100, 100, 100, 200, 200, 300, 300, 300, 300, 400});
  auto everything = all("d");
  std::vector<Reading> seen;
  SeriesQuery query{.after = Cursor{0, 0}, .limit = 4};
  for (int i = 0; i < 20; ++i) {
    auto page = pages().readings("d", query);
    seen.insert(seen.end(), page.rows.begin(), page.rows.end());
    if (!page.next) break;
    EXPECT_EQ(*page.next, (Cursor{page.rows.back().ts, page.rows.back().id}));
    query.after = page.next;
  }
  EXPECT_EQ(ids(seen), ids(everything));
  // Between two cursors, and within from/to.
  Cursor low{everything[4].ts, everything[4].id}, high{everything[20].ts, everything[20].id};
  auto between = pages().readings("d", SeriesQuery{.before = high, .after = low, .limit = 100});
  EXPECT_EQ(ids(between.rows),
            ids(std::vector<Reading>(everything.begin() + 5, everything.begin() + 20)));
  EXPECT_FALSE(between.next.has_value());
  auto ranged = pages().readings("d", SeriesQuery{.from = 200, .to = 300, .limit = 100});
  EXPECT_EQ(ranged.rows.size(), 18u);
  EXPECT_EQ(ranged.rows.front().ts, 200);
  EXPECT_EQ(ranged.rows.back().ts, 300);
}

TEST_P(StorePageReaderTest, PagesByTimeKeepEveryTimestampWhole) {
  device("d");
  readings("d", {100, 100, 200, 300, 300, 300, 400});
  auto newest = pages().readings_by_time("d", SeriesQuery{.limit = 2});
  std::set<std::int64_t> times;
  for (const auto& r : newest.rows)
    times.insert(r.ts);
  EXPECT_EQ(times, (std::set<std::int64_t>{300, 400}));
  EXPECT_EQ(newest.rows.size(), 12u);  // 3 messages at 300, 1 at 400, 3 readings each
  ASSERT_TRUE(newest.next.has_value());
  auto older = pages().readings_by_time("d", SeriesQuery{.before = newest.next, .limit = 2});
  times.clear();
  for (const auto& r : older.rows)
    times.insert(r.ts);
  EXPECT_EQ(times, (std::set<std::int64_t>{100, 200}));
  EXPECT_EQ(older.rows.size(), 9u);
  EXPECT_FALSE(older.next.has_value());

  auto first = pages().readings_by_time("d", SeriesQuery{.after = Cursor{0, 0}, .limit = 3});
  EXPECT_EQ(first.rows.front().ts, 100);
  EXPECT_EQ(first.rows.back().ts, 300);
  EXPECT_EQ(first.rows.size(), 18u);
  ASSERT_TRUE(first.next.has_value());
  auto rest = pages().readings_by_time("d", SeriesQuery{.after = first.next, .limit = 3});
  EXPECT_EQ(rest.rows.size(), 3u);
  EXPECT_EQ(rest.rows.front().ts, 400);
  EXPECT_FALSE(rest.next.has_value());

  EXPECT_THROW(pages().readings_by_time("d", SeriesQuery{.limit = PageReader::kMaxTimes + 1}),
               std::invalid_argument);
  EXPECT_TRUE(pages().readings_by_time("nobody", SeriesQuery{.limit = 5}).rows.empty());
}

TEST_P(StorePageReaderTest, TextMessagesPage) {
  device("d");
  device("other");
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(
        put(InsertText{.device_id = "d", .ts = 10, .text = "line " + std::to_string(i)}).ok());
  ASSERT_TRUE(put(InsertText{.device_id = "other", .ts = 10, .text = "not mine"}).ok());
  auto last = pages().texts("d", SeriesQuery{.limit = 2});
  ASSERT_EQ(last.rows.size(), 2u);
  EXPECT_EQ(last.rows[0].text, "line 3");
  EXPECT_EQ(last.rows[1].text, "line 4");
  ASSERT_TRUE(last.next.has_value());
  auto rest = pages().texts("d", SeriesQuery{.before = last.next, .limit = 10});
  ASSERT_EQ(rest.rows.size(), 3u);
  EXPECT_EQ(rest.rows[0].text, "line 0");
  EXPECT_FALSE(rest.next.has_value());
}

TEST_P(StorePageReaderTest, BadLimitsAndRangesAreRefused) {
  device("d");
  for (std::int64_t limit : {std::int64_t{0}, std::int64_t{-1}, PageReader::kMaxRows + 1}) {
    EXPECT_THROW(pages().readings("d", SeriesQuery{.limit = limit}), std::invalid_argument);
    EXPECT_THROW(pages().texts("d", SeriesQuery{.limit = limit}), std::invalid_argument);
  }
  EXPECT_THROW(pages().commands(CommandQuery{.limit = PageReader::kMaxCommands + 1}),
               std::invalid_argument);
  EXPECT_THROW(pages().readings("d", SeriesQuery{.from = 20, .to = 10}), std::invalid_argument);
  // Cursors outside the range give an empty page, not an error.
  EXPECT_TRUE(pages().readings("d", SeriesQuery{.before = Cursor{-1, 0}}).rows.empty());
}

TEST_P(StorePageReaderTest, CommandsByDeviceAndState) {
  device("a");
  device("b");
  std::vector<std::int64_t> a_ids;
  for (int i = 0; i < 6; ++i) {
    auto r = put(EnqueueCommand{
        .device_id = i % 2 ? "b" : "a", .command = "c" + std::to_string(i), .ts = 5});
    ASSERT_TRUE(r.ok());
    if (i % 2 == 0) a_ids.push_back(r.id);
  }
  // a: c0 acked, c2 failed, c4 queued.
  ASSERT_TRUE(put(MarkCommandSent{.id = a_ids[0], .ts = 6}).ok());
  ASSERT_TRUE(put(MarkCommandAcked{.id = a_ids[0], .ts = 7, .reply = "OK"}).ok());
  ASSERT_TRUE(put(MarkCommandFailed{.id = a_ids[1], .ts = 7, .reason = "ERR no"}).ok());

  auto every = pages().commands(CommandQuery{});
  ASSERT_EQ(every.commands.size(), 6u);
  EXPECT_GT(every.commands.front().id, every.commands.back().id);  // newest first
  EXPECT_FALSE(every.next.has_value());

  auto of_a = pages().commands(CommandQuery{.device = "a"});
  ASSERT_EQ(of_a.commands.size(), 3u);
  EXPECT_EQ(of_a.commands[0].command, "c4");
  EXPECT_EQ(of_a.commands[2].command, "c0");

  auto acked = pages().commands(CommandQuery{.state = CommandState::acked});
  ASSERT_EQ(acked.commands.size(), 1u);
  EXPECT_EQ(acked.commands[0].reply, "OK");
  auto queued_a = pages().commands(CommandQuery{.device = "a", .state = CommandState::queued});
  ASSERT_EQ(queued_a.commands.size(), 1u);
  EXPECT_EQ(queued_a.commands[0].command, "c4");
  EXPECT_EQ(pages().commands(CommandQuery{.state = CommandState::queued}).commands.size(), 4u);
  EXPECT_TRUE(
      pages().commands(CommandQuery{.device = "a", .state = CommandState::sent}).commands.empty());

  // Pages of two, back then forward.
  auto first = pages().commands(CommandQuery{.limit = 2});
  ASSERT_EQ(first.commands.size(), 2u);
  ASSERT_EQ(first.next, first.commands.back().id);
  auto second = pages().commands(CommandQuery{.before = first.next, .limit = 2});
  EXPECT_EQ(second.commands.front().id, every.commands[2].id);
  auto forward = pages().commands(CommandQuery{.after = every.commands[5].id, .limit = 2});
  ASSERT_EQ(forward.commands.size(), 2u);
  EXPECT_EQ(forward.commands[0].id, every.commands[3].id);  // still newest first
  EXPECT_EQ(forward.commands[1].id, every.commands[4].id);
  EXPECT_EQ(forward.next, every.commands[3].id);
}

// Every paged query walks an index in the order it returns: no full scan, no sort.
TEST(StorePageReaderSqlite, QueryPlansUseIndexes) {
  soket::testing::TempDir dir;
  Store store({.path = dir.file("a.db")});
  Database db(dir.file("a.db").string());
  std::vector<std::string> queries = {
      page_sql::series_rows(page_sql::Series::readings, true),
      page_sql::series_rows(page_sql::Series::readings, false),
      page_sql::series_rows(page_sql::Series::texts, true),
      page_sql::series_rows(page_sql::Series::texts, false),
      page_sql::reading_times(true),
      page_sql::reading_times(false),
  };
  for (bool by_device : {false, true})
    for (bool by_state : {false, true})
      for (bool newest_first : {false, true})
        queries.push_back(page_sql::commands(by_device, by_state, newest_first));
  for (const auto& sql : queries) {
    Statement plan(db, "EXPLAIN QUERY PLAN " + sql);
    std::string steps;
    while (plan.step())
      steps += plan.column_text(3) + "; ";
    std::cout << sql << "\n    -> " << steps << "\n";
    EXPECT_NE(steps.find("SEARCH"), std::string::npos) << sql << "\n" << steps;
    EXPECT_EQ(steps.find("SCAN"), std::string::npos) << sql << "\n" << steps;
    EXPECT_EQ(steps.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << steps;
  }
}

SOKET_STORE_BACKENDS(StorePageReaderTest);

}  // namespace
}  // namespace soket::store
