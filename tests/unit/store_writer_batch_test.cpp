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

class StoreWriterBatch : public testing::BackendTest {
 protected:
  // Submits `ops` while the writer is held, so that they are committed as one batch; returns
  // their results. Checks that they took exactly one batch.
  std::vector<WriteResult> one_batch(Store& store, const std::vector<WriteOp>& ops) {
    WriterGate gate;
    EXPECT_EQ(store.writer().submit(MarkAllOffline{}, gate.completion()), SubmitResult::accepted);
    gate.wait_entered();
    auto batches = store.writer().metrics().batches_committed;
    std::vector<WriteResult> results(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i)
      EXPECT_EQ(store.writer().submit(ops[i], [&results, i](auto& r) { results[i] = r; }),
                SubmitResult::accepted);
    gate.release();
    store.stop();
    EXPECT_EQ(store.writer().metrics().batches_committed, batches + 1);
    return results;
  }
};

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

}  // namespace
}  // namespace soket::store
