#include "soket/store/store.hpp"

#include <gtest/gtest.h>

#include "store_backends.hpp"
#include "store_writer_support.hpp"

#include <algorithm>
#include <string>
#include <vector>

// Batches as the hub makes them: many readings in one transaction (on PostgreSQL, one COPY),
// mixed with the operations that create their devices, some of them refused.
namespace soket::store {
namespace {

using testing::Backend;
using testing::reading;
using testing::submit_wait;
using testing::WriterGate;

// Submits `ops` while the writer is held, so that they are committed as one batch; returns
// their results. Checks that they took exactly one batch.
std::vector<WriteResult> one_batch(Store& store, const std::vector<WriteOp>& ops) {
  WriterGate gate;
  EXPECT_EQ(store.writer().submit(MarkAllOffline{}, gate.completion()), SubmitResult::accepted);
  gate.wait_entered(store.writer());
  auto before = store.writer().metrics();
  std::vector<WriteResult> results(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i)
    EXPECT_EQ(store.writer().submit(ops[i], [&results, i](auto& r) { results[i] = r; }),
              SubmitResult::accepted);
  gate.release();
  store.stop();
  auto after = store.writer().metrics();
  EXPECT_EQ(after.batches_committed, before.batches_committed + 1);
  auto rejected = std::count_if(results.begin(), results.end(), [](const WriteResult& r) {
    return r.status == WriteStatus::rejected;
  });
  EXPECT_EQ(after.ops_rejected - before.ops_rejected, static_cast<std::uint64_t>(rejected));
  return results;
}

class StoreWriterBatch : public testing::BackendTest {};

TEST_P(StoreWriterBatch, ReadingsOfUnknownDevicesAreRefusedAlone) {
  Store store(options());
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "esp", .ts = 1}).ok());
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "old", .ts = 1}).ok());
  std::vector<WriteOp> ops{
      reading("esp", 1, 1),                // 0 ok
      reading("ghost", 2, 2),              // 1 unknown device
      reading("new", 3, 3),                // 2 unknown yet: created just after
      UpsertDevice{.id = "new", .ts = 3},  // 3
      reading("new", 4, 4),                // 4 ok
      reading("old", 5, 5),                // 5 ok: there before the batch
      UpsertDevice{.id = "old", .ts = 6},  // 6
      reading("old", 7, 7),                // 7 ok
      InsertText{"esp", 8, "hello"},       // 8 ok
      InsertReadings{"ghost", 9, {Sample{"a", 1.0, {}}, Sample{"b", {}, "x"}}},  // 9 unknown
      reading("esp", 10, 10),                                                    // 10 ok
  };
  auto results = one_batch(store, ops);
  for (std::size_t i : {1u, 2u, 9u}) {
    EXPECT_EQ(results[i].status, WriteStatus::rejected) << i;
    EXPECT_EQ(results[i].error, i == 2 ? "unknown device 'new'" : "unknown device 'ghost'") << i;
  }
  for (std::size_t i : {0u, 3u, 4u, 5u, 6u, 7u, 8u, 10u})
    EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].error;

  auto esp = store.reader().readings("esp", 0, 100, 100);
  ASSERT_EQ(esp.size(), 2u);
  EXPECT_EQ(esp[0].ts, 1);
  EXPECT_EQ(esp[1].ts, 10);
  // A reading's result is the row id of its (last) sample.
  EXPECT_EQ(results[0].id, esp[0].id);
  EXPECT_EQ(results[10].id, esp[1].id);
  auto fresh = store.reader().readings("new", 0, 100, 100);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].ts, 4);
  EXPECT_EQ(results[4].id, fresh[0].id);
  auto old = store.reader().readings("old", 0, 100, 100);
  ASSERT_EQ(old.size(), 2u);
  EXPECT_EQ(old[0].ts, 5);
  EXPECT_EQ(old[1].ts, 7);
  EXPECT_TRUE(store.reader().readings("ghost", 0, 100, 100).empty());
  EXPECT_EQ(store.reader().text_messages("esp", 10).size(), 1u);
  EXPECT_EQ(std::count_if(results.begin(), results.end(),
                          [](const WriteResult& r) { return r.status == WriteStatus::rejected; }),
            3);
}

TEST_P(StoreWriterBatch, ThousandsOfReadingsInOneBatch) {
  Store store(options());
  constexpr int kDevices = 20;
  constexpr int kMessages = 3000;
  for (int d = 0; d < kDevices; ++d)
    ASSERT_TRUE(
        submit_wait(store.writer(), UpsertDevice{.id = "dev-" + std::to_string(d), .ts = 1}).ok());
  std::vector<WriteOp> ops;
  for (int i = 0; i < kMessages; ++i)
    ops.push_back(InsertReadings{
        "dev-" + std::to_string(i % kDevices),
        i,
        {Sample{"temp", i * 0.5, {}}, Sample{"note", {}, "n\"\\{,}" + std::to_string(i)}}});
  auto rows_before = store.writer().metrics().rows_written;
  auto results = one_batch(store, ops);
  std::int64_t previous = 0;
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error;
    EXPECT_GT(results[i].id, previous) << i;  // ids in the order of the operations
    previous = results[i].id;
  }
  // The gate's MarkAllOffline took its devices offline in the batch before.
  EXPECT_EQ(store.writer().metrics().rows_written - rows_before, 2u * kMessages + kDevices);
  auto rows = store.reader().readings("dev-7", 0, kMessages, 10000);
  ASSERT_EQ(rows.size(), 2u * kMessages / kDevices);
  EXPECT_EQ(rows[0].ts, 7);
  EXPECT_EQ(rows[0].key, "temp");
  EXPECT_EQ(rows[0].value, 3.5);
  EXPECT_EQ(rows[1].key, "note");
  EXPECT_EQ(rows[1].text, "n\"\\{,}7");
  EXPECT_FALSE(rows[1].value.has_value());
  EXPECT_EQ(rows[1].id, results[7].id);
  auto latest = store.reader().latest_values();
  ASSERT_EQ(latest.size(), static_cast<std::size_t>(kDevices));  // "note" has no number
  for (const auto& value : latest) {
    int d = std::stoi(value.device_id.substr(4));
    EXPECT_EQ(value.key, "temp");
    EXPECT_EQ(value.ts, kMessages - kDevices + d) << value.device_id;
    EXPECT_EQ(value.value, (kMessages - kDevices + d) * 0.5) << value.device_id;
  }
}

// The latest value of a key is the newest reading of it (the last one among equal ts), also when
// one batch holds several, in any order, and older than what is stored.
TEST_P(StoreWriterBatch, LatestValuesOfSeveralReadingsOfOneKeyInOneBatch) {
  Store store(options());
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "a", .ts = 1}).ok());
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "b", .ts = 1}).ok());
  ASSERT_TRUE(submit_wait(store.writer(), reading("b", 50, 500)).ok());
  std::vector<WriteOp> ops{
      reading("a", 5, 1),
      reading("a", 7, 2),
      reading("a", 6, 3),   // newest: ts 7
      reading("a", 7, 4),   // same ts, later: wins
      reading("b", 40, 1),  // older than the stored 50
      InsertReadings{"a", 9, {Sample{"v", {}, "text only"}, Sample{"w", 1.5, {}}}},
      reading("b", 60, 6),
      reading("b", 55, 5),                                      // 60 wins over the stored 50
      InsertReadings{"a", 3, {Sample{"q\"\\{,} x", 2.5, {}}}},  // quoted in an array literal
  };
  auto results = one_batch(store, ops);
  for (std::size_t i = 0; i < ops.size(); ++i)
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error;
  auto latest = store.reader().latest_values();
  ASSERT_EQ(latest.size(), 4u);
  EXPECT_EQ(latest[0].device_id, "a");
  EXPECT_EQ(latest[0].key, "q\"\\{,} x");
  EXPECT_EQ(latest[0].ts, 3);
  EXPECT_EQ(latest[0].value, 2.5);
  EXPECT_EQ(latest[1].key, "v");
  EXPECT_EQ(latest[1].ts, 7);
  EXPECT_EQ(latest[1].value, 4);
  EXPECT_EQ(latest[2].key, "w");
  EXPECT_EQ(latest[2].ts, 9);
  EXPECT_EQ(latest[2].value, 1.5);
  EXPECT_EQ(latest[3].device_id, "b");
  EXPECT_EQ(latest[3].ts, 60);
  EXPECT_EQ(latest[3].value, 6);
}

SOKET_STORE_BACKENDS(StoreWriterBatch);

class StoreWriterBatchPostgres : public testing::PostgresTest {};

// PostgreSQL text is UTF-8 without NUL bytes: a reading holding other bytes is refused alone,
// the rest of its batch is written (and its COPY is not disturbed).
TEST_F(StoreWriterBatchPostgres, TextPostgresCannotHoldIsRefusedAlone) {
  Store store(options());
  ASSERT_TRUE(submit_wait(store.writer(), UpsertDevice{.id = "esp", .ts = 1}).ok());
  std::vector<WriteOp> ops{
      reading("esp", 1, 1),
      InsertReadings{"esp", 2, {Sample{"k\xff", 1.0, {}}}},
      InsertReadings{"esp", 3, {Sample{"t", {}, std::string("a\0b", 3)}}},
      InsertReadings{"esp\xc3", 4, {Sample{"v", 1.0, {}}}},
      InsertReadings{"esp", 5, {Sample{"t", {}, "caf\xc3\xa9"}}},
      InsertText{"esp", 6, "x\xed\xa0\x80"},  // a UTF-16 surrogate
      reading("esp", 7, 7),
  };
  auto results = one_batch(store, ops);
  for (std::size_t i : {1u, 2u, 3u, 5u}) {
    EXPECT_EQ(results[i].status, WriteStatus::rejected) << i;
    EXPECT_NE(results[i].error.find("UTF-8"), std::string::npos) << i << ": " << results[i].error;
  }
  for (std::size_t i : {0u, 4u, 6u})
    EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].error;
  auto rows = store.reader().readings("esp", 0, 100, 100);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].ts, 1);
  EXPECT_EQ(rows[1].text, "caf\xc3\xa9");
  EXPECT_EQ(rows[2].ts, 7);
  EXPECT_EQ(store.writer().metrics().batches_failed, 0u);
}

}  // namespace
}  // namespace soket::store
