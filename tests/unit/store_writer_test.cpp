#include "soket/store/store.hpp"

#include <gtest/gtest.h>

#include "store_backends.hpp"
#include "store_writer_support.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace soket::store {
namespace {

using namespace std::chrono_literals;

using testing::Backend;

class StoreWriter : public testing::BackendTest {};

using testing::reading;
using testing::submit_wait;
using testing::WriterGate;

TEST_P(StoreWriter, GroupsSubmissionsIntoFewTransactions) {
  Store store(options({.max_batch = 10000}));
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "esp", .ts = 1}).ok());

  WriterGate gate;
  ASSERT_EQ(store.writer().submit(reading("esp", 0, 0), gate.completion()), SubmitResult::accepted);
  gate.wait_entered(store.writer());

  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  std::vector<std::atomic<int>> calls(kThreads * kPerThread);
  std::atomic<int> visible_at_completion{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int seq = t * kPerThread + i;
        auto result = store.writer().submit(reading("esp", 1 + seq, seq), [&, seq](auto& r) {
          EXPECT_TRUE(r.ok()) << r.error;
          calls[seq].fetch_add(1);
          // The completion runs after COMMIT: the row is visible to another connection.
          if (!store.reader().readings("esp", 1 + seq, 1 + seq, 1).empty())
            visible_at_completion.fetch_add(1);
        });
        EXPECT_EQ(result, SubmitResult::accepted);
      }
    });
  }
  for (auto& producer : producers)
    producer.join();
  auto before = store.writer().metrics();
  EXPECT_EQ(before.queue_depth, static_cast<std::uint64_t>(kThreads * kPerThread));
  gate.release();
  store.stop();

  for (auto& count : calls)
    EXPECT_EQ(count.load(), 1);
  EXPECT_EQ(visible_at_completion.load(), kThreads * kPerThread);
  auto metrics = store.writer().metrics();
  // The upsert, the gated reading, then all 1000 pending readings in one transaction.
  EXPECT_EQ(metrics.batches_committed, 3u + gate.fillers());
  EXPECT_EQ(metrics.last_batch_size, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(metrics.ops_committed, 2u + kThreads * kPerThread);
  EXPECT_EQ(metrics.rows_written, 2u + kThreads * kPerThread);
  EXPECT_EQ(metrics.queue_depth, 0u);
  EXPECT_GT(metrics.avg_batch_us, 0u);
}

TEST_P(StoreWriter, SplitsAtMaxBatchAndCompletesInOrder) {
  Store store(options({.max_batch = 100}));
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "esp", .ts = 1}).ok());
  WriterGate gate;
  ASSERT_EQ(store.writer().submit(reading("esp", 0, 0), gate.completion()), SubmitResult::accepted);
  gate.wait_entered(store.writer());
  std::vector<int> order;
  for (int i = 0; i < 350; ++i)
    ASSERT_EQ(
        store.writer().submit(reading("esp", i, i), [&order, i](auto&) { order.push_back(i); }),
        SubmitResult::accepted);
  gate.release();
  store.stop();
  ASSERT_EQ(order.size(), 350u);
  for (int i = 0; i < 350; ++i)
    EXPECT_EQ(order[i], i);
  EXPECT_EQ(store.writer().metrics().batches_committed,
            2u + gate.fillers() + 4u);  // 100+100+100+50
}

TEST_P(StoreWriter, RefusesSubmissionsBeyondTheQueueLimit) {
  Store store(options({.max_queue = 10}));
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "esp", .ts = 1}).ok());
  WriterGate gate;
  ASSERT_EQ(store.writer().submit(reading("esp", 0, 0), gate.completion()), SubmitResult::accepted);
  gate.wait_entered(store.writer());
  std::atomic<int> completed{0};
  for (int i = 1; i <= 10; ++i)
    EXPECT_EQ(store.writer().submit(reading("esp", i, i), [&](auto& r) { completed += r.ok(); }),
              SubmitResult::accepted);
  bool called = false;
  EXPECT_EQ(store.writer().submit(reading("esp", 11, 11), [&](auto&) { called = true; }),
            SubmitResult::queue_full);
  EXPECT_EQ(store.writer().metrics().submissions_refused, 1u);
  gate.release();
  store.stop();
  EXPECT_EQ(completed.load(), 10);
  EXPECT_FALSE(called);
  EXPECT_EQ(store.reader().readings("esp", 0, 100, 100).size(), 11u);
}

TEST_P(StoreWriter, StopDrainsEverythingPending) {
  std::atomic<int> ok{0};
  {
    // A window far longer than the test: only stop() can make these commit promptly.
    Store store(options({.max_batch = 100000, .max_delay = std::chrono::seconds(60)}));
    ASSERT_EQ(store.writer().submit(UpsertDevice{.id = "esp", .ts = 1}), SubmitResult::accepted);
    for (int i = 0; i < 500; ++i)
      ASSERT_EQ(store.writer().submit(reading("esp", i, i), [&](auto& r) { ok += r.ok(); }),
                SubmitResult::accepted);
    auto start = std::chrono::steady_clock::now();
    store.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
    EXPECT_EQ(ok.load(), 500);
    bool called = false;
    EXPECT_EQ(store.writer().submit(reading("esp", 1, 1), [&](auto&) { called = true; }),
              SubmitResult::stopped);
    EXPECT_FALSE(called);
    store.stop();  // idempotent
  }
  Store reopened(options());
  EXPECT_EQ(reopened.reader().readings("esp", 0, 1000, 1000).size(), 500u);
}

TEST_P(StoreWriter, DataSurvivesReopen) {
  std::int64_t command_id = 0;
  {
    Store store(options());
    auto& w = store.writer();
    ASSERT_TRUE(submit_wait(w, UpsertDevice{.id = "esp", .ts = 5, .name = "lamp"}).ok());
    ASSERT_TRUE(submit_wait(w, reading("esp", 10, 27.5)).ok());
    ASSERT_TRUE(submit_wait(w, InsertText{"esp", 11, "Hai from ESP8266"}).ok());
    auto queued = submit_wait(w, EnqueueCommand{"esp", "led-on", CommandSource::rest, 12});
    ASSERT_TRUE(queued.ok());
    command_id = queued.id;
    ASSERT_TRUE(submit_wait(w, InsertChat{13, "budi", "halo", ChatOrigin::web}).ok());
    ASSERT_TRUE(submit_wait(w, InsertAlert{14, "too-hot", "esp", "temp > 30", 31.0}).ok());
  }
  Store store(options());
  auto& r = store.reader();
  ASSERT_EQ(r.devices().size(), 1u);
  EXPECT_EQ(r.devices()[0].name, "lamp");
  auto readings = r.readings("esp", 0, 100, 10);
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].value, 27.5);
  ASSERT_EQ(r.text_messages("esp", 10).size(), 1u);
  auto pending = r.pending_commands("esp");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, command_id);
  EXPECT_EQ(pending[0].command, "led-on");
  ASSERT_EQ(r.recent_chat(10).size(), 1u);
  ASSERT_EQ(r.recent_alerts(10).size(), 1u);
}

TEST_P(StoreWriter, BadOperationsAreRejectedAloneInTheirBatch) {
  Store store(options());
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "esp", .ts = 1}).ok());
  // A constraint only the database knows about, hit by the second row of one operation.
  if (GetParam() == Backend::sqlite)
    target_->exec(
        "CREATE TRIGGER forbid BEFORE INSERT ON readings WHEN NEW.key = 'forbidden' "
        "BEGIN SELECT RAISE(ABORT, 'forbidden key'); END");
  else
    target_->exec(
        "CREATE FUNCTION forbid() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.key = 'forbidden' THEN RAISE EXCEPTION 'forbidden key'; END IF; RETURN NEW; "
        "END $$; CREATE TRIGGER forbid BEFORE INSERT ON readings FOR EACH ROW "
        "EXECUTE FUNCTION forbid()");

  WriterGate gate;
  ASSERT_EQ(store.writer().submit(reading("esp", 0, 0), gate.completion()), SubmitResult::accepted);
  gate.wait_entered(store.writer());
  std::vector<WriteOp> ops{
      reading("esp", 1, 1),                                                   // ok
      reading("ghost", 2, 2),                                                 // unknown device
      InsertReadings{"esp", 3, {Sample{"", 1.0, std::nullopt}}},              // empty key
      InsertReadings{"esp", 4, {}},                                           // no samples
      InsertReadings{"esp", 5, {Sample{"nan", std::nan(""), std::nullopt}}},  // not finite
      InsertReadings{"esp", 6, {Sample{"a", 1.0, {}}, Sample{"forbidden", 2.0, {}}}},
      MarkCommandSent{12345, 7},                                 // no such command
      EnqueueCommand{"ghost", "led-on", CommandSource::cli, 8},  // unknown device
      EnqueueCommand{"esp", "", CommandSource::cli, 8},          // empty command
      InsertChat{9, "", "x", ChatOrigin::tcp},                   // no user
      InsertAlert{10, "rule", "ghost", "m", std::nullopt},       // unknown device
      reading("esp", 11, 11),                                    // ok
  };
  std::vector<WriteResult> results(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i)
    ASSERT_EQ(store.writer().submit(ops[i], [&, i](auto& r) { results[i] = r; }),
              SubmitResult::accepted);
  gate.release();
  store.stop();

  EXPECT_TRUE(results.front().ok()) << results.front().error;
  EXPECT_TRUE(results.back().ok()) << results.back().error;
  for (std::size_t i = 1; i + 1 < ops.size(); ++i)
    EXPECT_EQ(results[i].status, WriteStatus::rejected) << i;
  EXPECT_EQ(results[1].error, "unknown device 'ghost'");
  EXPECT_EQ(results[2].error, "empty reading key");
  EXPECT_NE(results[5].error.find("forbidden key"), std::string::npos) << results[5].error;
  EXPECT_EQ(results[6].error, "command 12345 does not exist");
  EXPECT_EQ(results[10].error, "unknown device 'ghost'");

  auto rows = store.reader().readings("esp", 0, 100, 100);
  ASSERT_EQ(rows.size(), 3u);  // ts 0, 1, 11: nothing of the refused multi-row operation
  EXPECT_EQ(rows[0].ts, 0);
  EXPECT_EQ(rows[1].ts, 1);
  EXPECT_EQ(rows[2].ts, 11);
  EXPECT_TRUE(store.reader().pending_commands("esp").empty());
  EXPECT_TRUE(store.reader().recent_chat(10).empty());
  auto metrics = store.writer().metrics();
  EXPECT_EQ(metrics.ops_rejected, ops.size() - 2 + gate.fillers());
  EXPECT_EQ(metrics.batches_failed, 0u);
}

// Another connection holds what the writer needs: the batch waits busy_timeout, fails whole, and
// the next batch succeeds.
TEST_P(StoreWriter, FailedTransactionFailsItsBatchAndWriterRecovers) {
  Store store(options({.busy_timeout = std::chrono::milliseconds(50)}));
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "esp", .ts = 1}).ok());

  WriteResult failed;
  if (GetParam() == Backend::sqlite) {
    Database blocker(target_->options().path.string());
    blocker.exec("BEGIN EXCLUSIVE");  // the write lock: the writer's BEGIN IMMEDIATE times out
    failed = submit_wait(store.writer(), reading("esp", 1, 1));
    EXPECT_NE(failed.error.find("locked"), std::string::npos) << failed.error;
    blocker.exec("COMMIT");
  } else {
    PgConnection blocker(target_->url());
    blocker.exec("BEGIN; LOCK TABLE readings IN ACCESS EXCLUSIVE MODE");  // lock_timeout hits
    failed = submit_wait(store.writer(), reading("esp", 1, 1));
    EXPECT_NE(failed.error.find("lock timeout"), std::string::npos) << failed.error;
    blocker.exec("COMMIT");
  }
  EXPECT_EQ(failed.status, WriteStatus::failed);

  EXPECT_TRUE(submit_wait(store.writer(), reading("esp", 2, 2)).ok());
  auto rows = store.reader().readings("esp", 0, 10, 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].ts, 2);
  auto metrics = store.writer().metrics();
  EXPECT_EQ(metrics.batches_failed, 1u);
  EXPECT_EQ(metrics.ops_failed, 1u);
}

TEST_P(StoreWriter, ThrowingCompletionDoesNotStopTheWriter) {
  Store store(options());
  ASSERT_EQ(store.writer().submit(UpsertDevice{.id = "esp", .ts = 1},
                                  [](auto&) { throw std::runtime_error("boom"); }),
            SubmitResult::accepted);
  EXPECT_TRUE(submit_wait(store.writer(), reading("esp", 1, 1)).ok());
}

TEST_P(StoreWriter, StopFromACompletionDoesNotDeadlock) {
  Store store(options());
  std::atomic<bool> refused_after{false};
  ASSERT_EQ(store.writer().submit(UpsertDevice{.id = "esp", .ts = 1},
                                  [&](auto&) {
                                    store.writer().stop();
                                    refused_after = store.writer().submit(MarkAllOffline{}) ==
                                                    SubmitResult::stopped;
                                  }),
            SubmitResult::accepted);
  store.stop();
  EXPECT_TRUE(refused_after.load());
  EXPECT_TRUE(store.reader().device("esp").has_value());
}

SOKET_STORE_BACKENDS(StoreWriter);

// The server ends the writer's session (as on a server restart): that batch fails whole, and the
// writer connects again for the next one instead of failing forever.
class StoreWriterPostgres : public testing::PostgresTest {};

TEST_F(StoreWriterPostgres, LostServerConnectionFailsOneBatchThenReconnects) {
  Store store(options());
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "esp", .ts = 1}).ok());
  ASSERT_TRUE(submit_wait(store.writer(), reading("esp", 1, 1)).ok());
  auto killed = target_->column(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
      "AND pid <> pg_backend_pid() AND application_name = 'soket'");
  ASSERT_FALSE(killed.empty());

  // The writer learns of the loss on its next batch, which fails; the one after reconnects.
  auto first = submit_wait(store.writer(), reading("esp", 2, 2));
  EXPECT_EQ(first.status, WriteStatus::failed) << first.error;
  auto second = submit_wait(store.writer(), reading("esp", 3, 3));
  EXPECT_TRUE(second.ok()) << second.error;
  // The reader, cut off too, reconnects and answers at once.
  auto rows = store.reader().readings("esp", 0, 10, 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].ts, 1);
  EXPECT_EQ(rows[1].ts, 3);
  EXPECT_EQ(store.writer().metrics().batches_failed, 1u);
}

// PostgreSQL text is UTF-8 without NUL bytes: such an operation is refused alone.
TEST_F(StoreWriterPostgres, TextPostgresCannotHoldIsRefusedAlone) {
  Store store(options());
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "esp", .ts = 1}).ok());
  auto bad = submit_wait(store.writer(), InsertText{"esp", 2, std::string("a\xff\xfe")});
  EXPECT_EQ(bad.status, WriteStatus::rejected);
  EXPECT_NE(bad.error.find("UTF-8"), std::string::npos) << bad.error;
  auto nul = submit_wait(store.writer(), InsertText{"esp", 3, std::string("a\0b", 3)});
  EXPECT_EQ(nul.status, WriteStatus::rejected);
  EXPECT_TRUE(submit_wait(store.writer(), InsertText{"esp", 4, "caf\xc3\xa9"}).ok());
  auto texts = store.reader().text_messages("esp", 10);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0].text, "caf\xc3\xa9");
}

TEST(StoreWriterPostgresUrl, BadUrlsAndUnreachableServersFailClearly) {
  auto message = [](const std::string& url) {
    try {
      Store store({.url = url});
    } catch (const StoreError& e) {
      return std::string(e.what());
    }
    return std::string("opened");
  };
  EXPECT_NE(message("mysql://x@127.0.0.1/db").find("unsupported store URL"), std::string::npos);
  EXPECT_NE(message("postgresql://u@127.0.0.1:99999999/db").find("PostgreSQL"), std::string::npos);
  // Port 1 on loopback: nothing listens there.
  auto refused = message("postgresql://u:secret@127.0.0.1:1/db");
  EXPECT_NE(refused.find("cannot connect to PostgreSQL at postgresql://u:***@127.0.0.1:1/db"),
            std::string::npos)
      << refused;
  EXPECT_EQ(refused.find("secret"), std::string::npos) << refused;
}

}  // namespace
}  // namespace soket::store
