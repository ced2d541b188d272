#include "soket/store/error.hpp"
#include "soket/store/store.hpp"

#include <gtest/gtest.h>

#include "store_writer_support.hpp"
#include "temp_dir.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// The writer's sync apart from the commit: a backend that only records what the writer asks of
// it (the order of commits and syncs is what is tested), and the real SQLite store.
namespace soket::store {
namespace {

using namespace std::chrono_literals;

// Counts commits and syncs; sync() can be made to wait for a later batch's apply() or to fail.
class RecordingBackend final : public BatchBackend {
 public:
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    int commits = 0;
    int synced_commits = 0;  // commits made before the last sync that returned
    int applies = 0;
    int hold_sync_until_applies = 0;  // the first sync waits (5 s at most) for this many applies
    bool applied_during_sync = false;
    int failing_syncs = 0;
  };

  explicit RecordingBackend(std::shared_ptr<State> state) : state_(std::move(state)) {}

  void begin() override {}
  void apply(const WriteOp&, WriteResult& result) override {
    std::lock_guard lock(state_->mutex);
    ++state_->applies;
    result = WriteResult{};
    state_->changed.notify_all();
  }
  std::uint64_t commit() override {
    std::lock_guard lock(state_->mutex);
    ++state_->commits;
    state_->changed.notify_all();
    return 1;
  }
  void rollback() noexcept override {}
  bool syncs_apart() const override { return true; }
  void sync() override {
    std::unique_lock lock(state_->mutex);
    int covered = state_->commits;
    if (int until = std::exchange(state_->hold_sync_until_applies, 0); until > 0) {
      state_->applied_during_sync =
          state_->changed.wait_for(lock, 5s, [&] { return state_->applies >= until; });
    }
    if (state_->failing_syncs > 0) {
      --state_->failing_syncs;
      throw StoreError("disk on fire");
    }
    state_->synced_commits = covered;
  }

 private:
  std::shared_ptr<State> state_;
};

// Submits `n` readings at once; the future is ready when the last one is completed (each ok).
std::future<void> submit_readings(Writer& writer, std::size_t n) {
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  for (std::size_t i = 0; i < n; ++i) {
    bool last = i + 1 == n;
    auto submitted =
        writer.submit(testing::reading("esp", 1, 1), [done, last](const WriteResult& r) {
          EXPECT_TRUE(r.ok());
          if (last) done->set_value();
        });
    EXPECT_EQ(submitted, SubmitResult::accepted);
  }
  return future;
}

StoreOptions quick() {
  StoreOptions options;
  options.max_delay = 100us;
  return options;
}

// max_delay far longer than a test's patience: what is committed in time was not waited out.
StoreOptions patient(std::size_t max_batch = StoreOptions{}.max_batch) {
  StoreOptions options;
  options.max_delay = 60s;
  options.max_batch = max_batch;
  return options;
}

TEST(StoreWriterSync, EveryCompletionComesAfterASyncThatBeganAfterItsCommit) {
  auto state = std::make_shared<RecordingBackend::State>();
  std::vector<int> synced_at_completion;
  std::vector<int> order;
  {
    Writer writer(quick(), std::make_unique<RecordingBackend>(state));
    ASSERT_TRUE(writer.syncs_apart());
    for (int i = 0; i < 200; ++i) {
      ASSERT_EQ(writer.submit(testing::reading("esp", i, i),
                              [&, i](const WriteResult& r) {
                                EXPECT_TRUE(r.ok());
                                std::lock_guard lock(state->mutex);
                                order.push_back(i);
                                synced_at_completion.push_back(state->synced_commits);
                              }),
                SubmitResult::accepted);
      if (i % 20 == 0) std::this_thread::sleep_for(1ms);  // several batches
    }
    writer.stop();
    auto metrics = writer.metrics();
    EXPECT_GT(metrics.batches_committed, 1u);
    EXPECT_GE(metrics.syncs, 1u);
    EXPECT_LE(metrics.syncs, metrics.batches_committed);
  }
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(order[i], i);
  // Completions never see fewer synced commits than before, and the last saw every commit.
  for (std::size_t i = 1; i < synced_at_completion.size(); ++i)
    EXPECT_GE(synced_at_completion[i], synced_at_completion[i - 1]);
  EXPECT_GE(synced_at_completion.front(), 1);
  EXPECT_EQ(synced_at_completion.back(), state->commits);
}

TEST(StoreWriterSync, TheNextBatchIsAppliedWhileTheLastOneSyncs) {
  auto state = std::make_shared<RecordingBackend::State>();
  state->hold_sync_until_applies = 2;
  Writer writer(quick(), std::make_unique<RecordingBackend>(state));
  std::promise<void> first_done;
  ASSERT_EQ(writer.submit(testing::reading("esp", 1, 1),
                          [&](const WriteResult&) { first_done.set_value(); }),
            SubmitResult::accepted);
  // Once the first batch is committed, a second one: its apply must happen while the first
  // batch's sync still runs (it waits for that apply; a writer that synced in its commit could not
  // apply anything before the first completion).
  {
    std::unique_lock lock(state->mutex);
    ASSERT_TRUE(state->changed.wait_for(lock, 5s, [&] { return state->commits == 1; }));
  }
  ASSERT_EQ(writer.submit(testing::reading("esp", 2, 2)), SubmitResult::accepted);
  ASSERT_EQ(first_done.get_future().wait_for(10s), std::future_status::ready);
  writer.stop();
  std::lock_guard lock(state->mutex);
  EXPECT_TRUE(state->applied_during_sync);
}

TEST(StoreWriterSync, AFailedSyncFailsTheWritesItWasToCover) {
  auto state = std::make_shared<RecordingBackend::State>();
  state->failing_syncs = 1;
  Writer writer(quick(), std::make_unique<RecordingBackend>(state));
  auto first = testing::submit_wait(writer, testing::reading("esp", 1, 1));
  EXPECT_EQ(first.status, WriteStatus::failed);
  EXPECT_NE(first.error.find("database sync failed: disk on fire"), std::string::npos)
      << first.error;
  // The next batch is synced again and succeeds.
  EXPECT_TRUE(testing::submit_wait(writer, testing::reading("esp", 2, 2)).ok());
  writer.stop();
  auto metrics = writer.metrics();
  EXPECT_EQ(metrics.batches_failed, 1u);
  EXPECT_EQ(metrics.batches_committed, 1u);
  EXPECT_EQ(metrics.ops_failed, 1u);
  EXPECT_EQ(metrics.ops_committed, 1u);
}

// Syncing apart, the writer applies what comes without waiting for the batch's commit.
TEST(StoreWriterSync, OperationsAreAppliedAsTheyCome) {
  auto state = std::make_shared<RecordingBackend::State>();
  StoreOptions options;
  options.max_delay = 10s;
  Writer writer(options, std::make_unique<RecordingBackend>(state));
  ASSERT_EQ(writer.submit(testing::reading("esp", 1, 1)), SubmitResult::accepted);
  {
    std::unique_lock lock(state->mutex);
    ASSERT_TRUE(state->changed.wait_for(lock, 5s, [&] { return state->applies == 1; }));
    EXPECT_EQ(state->commits, 0);  // one operation waits for company, applied already
  }
  writer.stop();
  EXPECT_EQ(state->commits, 1);
}

// A few operations wait up to max_delay for more (fewer commits under a moderate steady load).
TEST(StoreWriterSync, AFewOperationsWaitForMaxDelay) {
  auto state = std::make_shared<RecordingBackend::State>();
  StoreOptions options;
  options.max_delay = 300ms;
  Writer writer(options, std::make_unique<RecordingBackend>(state));
  auto start = std::chrono::steady_clock::now();
  auto done = submit_readings(writer, Writer::kApplyChunk - 1);
  ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  writer.stop();
  EXPECT_EQ(writer.metrics().batches_committed, 1u);
}

// kApplyChunk operations and then a pause: their submitters wait for them, so they are committed
// at once (max_delay here is far longer than the test's patience).
TEST(StoreWriterSync, APauseAfterEnoughOperationsCommitsThem) {
  auto state = std::make_shared<RecordingBackend::State>();
  Writer writer(patient(), std::make_unique<RecordingBackend>(state));
  auto done = submit_readings(writer, Writer::kApplyChunk);
  ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(writer.metrics().batches_committed, 1u);
  writer.stop();
}

// A full batch (max_batch, here below kApplyChunk) is committed at once.
TEST(StoreWriterSync, AFullBatchIsCommittedAtOnce) {
  auto state = std::make_shared<RecordingBackend::State>();
  Writer writer(patient(10), std::make_unique<RecordingBackend>(state));
  auto done = submit_readings(writer, 10);
  ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
  writer.stop();
}

// The same when the writer has taken (and applied) part of the batch before the rest is
// submitted: the rest's arrival wakes it, though the queue alone never holds max_batch.
TEST(StoreWriterSync, ABatchCompletedAfterAPartWasTakenIsCommittedAtOnce) {
  auto state = std::make_shared<RecordingBackend::State>();
  Writer writer(patient(10), std::make_unique<RecordingBackend>(state));
  auto first = submit_readings(writer, 1);
  {
    std::unique_lock lock(state->mutex);
    ASSERT_TRUE(state->changed.wait_for(lock, 5s, [&] { return state->applies == 1; }));
  }
  // Time for the writer to wait again before the rest arrive: without it the test still holds
  // but may not reach the case.
  std::this_thread::sleep_for(50ms);
  auto rest = submit_readings(writer, 9);
  ASSERT_EQ(rest.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(first.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(state->commits, 1);
  writer.stop();
}

// Submissions that go on without a pause are still committed long before max_delay: at
// kEfficientBatch operations (or at a pause, if the machine makes one).
TEST(StoreWriterSync, SteadySubmissionsAreCommittedBeforeMaxDelay) {
  auto state = std::make_shared<RecordingBackend::State>();
  std::atomic<bool> completed{false};
  Writer writer(patient(), std::make_unique<RecordingBackend>(state));
  auto start = std::chrono::steady_clock::now();
  std::size_t submitted = 0;
  // Far below the queue's limit, far above kEfficientBatch.
  while (!completed.load() && submitted < 16 * Writer::kEfficientBatch) {
    ASSERT_EQ(writer.submit(testing::reading("esp", 1, 1),
                            [&](const WriteResult&) { completed.store(true); }),
              SubmitResult::accepted);
    if (++submitted % 16 == 0) std::this_thread::sleep_for(10us);
  }
  while (!completed.load() && std::chrono::steady_clock::now() - start < 10s)
    std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(completed.load()) << submitted << " submitted, " << writer.metrics().batches_committed
                                << " batches committed";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  writer.stop();
  EXPECT_EQ(writer.metrics().ops_committed, submitted);
}

TEST(StoreWriterSync, SqliteSyncsItsWalApartOnlyWhenFullyDurable) {
  soket::testing::TempDir dir;
  for (auto mode : {SyncMode::full, SyncMode::normal}) {
    StoreOptions options;
    options.path = dir.file(mode == SyncMode::full ? "full.db" : "normal.db");
    options.sync = mode;
    Store store(options);
    EXPECT_EQ(store.writer().syncs_apart(), mode == SyncMode::full);
    ASSERT_TRUE(testing::submit_wait(store.writer(), UpsertDevice{.id = "esp", .ts = 1}).ok());
    ASSERT_TRUE(testing::submit_wait(store.writer(), testing::reading("esp", 2, 2)).ok());
    EXPECT_EQ(store.reader().readings("esp", 0, 10, 10).size(), 1u);
    auto syncs = store.writer().metrics().syncs;
    if (mode == SyncMode::full)
      EXPECT_EQ(syncs, 2u);  // one per batch here: each was submitted alone
    else
      EXPECT_EQ(syncs, 0u);
  }
}

}  // namespace
}  // namespace soket::store
