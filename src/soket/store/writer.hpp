#pragma once

#include "soket/store/backend.hpp"
#include "soket/store/metrics.hpp"
#include "soket/store/options.hpp"
#include "soket/store/write_ops.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace soket::store {

/// What submit() did with an operation.
enum class SubmitResult {
  accepted,    ///< the completion will be called exactly once
  queue_full,  ///< refused: max_queue operations are already waiting (the completion is not called)
  stopped,     ///< refused: stop() was called (the completion is not called)
};

/// The single writer of the database, with group commit.
///
/// Any thread may submit operations. One dedicated thread takes what is pending (up to max_batch
/// operations, once max_batch are waiting or the oldest has waited max_delay), applies them in one
/// transaction, commits, and only then calls their completions, in submission order. It does not
/// wait out max_delay once kEfficientBatch operations are pending, or kApplyChunk and submissions
/// paused for kPause: whoever submitted them is waiting for their completions (devices that send
/// again only after `OK`), so waiting longer would gain nothing. A few operations still wait up to
/// max_delay for company, which keeps the cost per operation low under a moderate steady load.
/// Operations are applied in submission order, so an UpsertDevice submitted before an
/// InsertReadings for the same device is seen by it.
///
/// When the backend makes a commit durable in a separate step (BatchBackend::syncs_apart(): SQLite
/// with SyncMode::full syncs its WAL apart), a second thread runs that sync and then the
/// completions, while the writer thread already applies the next batch. Completions still come in
/// submission order, each only after a sync that began after its batch's commit. Then the writer
/// also applies operations as they come (kApplyChunk at a time) instead of taking the batch whole
/// when it is due.
class Writer {
 public:
  /// Opens the writer connection (SQLite file or PostgreSQL server), brings the schema up to date
  /// and starts the writer thread. Throws StoreError.
  explicit Writer(const StoreOptions& options);
  /// The same over a backend already opened (options gives the batching and queue limits).
  Writer(const StoreOptions& options, std::unique_ptr<BatchBackend> backend);
  /// Calls stop().
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Queues an operation; never blocks on the database. `done` may be empty.
  /// Invalid operations (see validate()) are accepted and completed with WriteStatus::rejected.
  [[nodiscard]] SubmitResult submit(WriteOp op, Completion done = {});

  /// Refuses new submissions, commits everything already accepted (calling its completions), and
  /// joins the writer thread. Idempotent. Called from a completion, it only refuses new
  /// submissions (the rest of the drain happens after that completion returns).
  void stop();

  /// A snapshot of the writer's counters. Thread-safe.
  WriterMetrics metrics() const;

  /// True when a second thread makes commits durable and calls the completions (see the class).
  bool syncs_apart() const { return syncs_apart_; }
  /// Batches committed and waiting for their sync, at most; the writer waits beyond that (one
  /// sync covers them all, so more would only hold completions longer).
  static constexpr std::size_t kMaxUnsynced = 4;
  /// With a batch pending (syncing apart: being applied), the writer is woken every this many
  /// submissions...
  static constexpr std::size_t kApplyChunk = 64;
  /// ...and commits at this many operations (a commit's fixed cost, the pages it writes whatever
  /// the batch holds, is then small per operation)...
  static constexpr std::size_t kEfficientBatch = 512;
  /// ...or after a pause this long in submissions, with kApplyChunk or more applied.
  static constexpr std::chrono::microseconds kPause{200};

 private:
  struct Item {
    WriteOp op;
    Completion done;
    std::optional<std::string> invalid;  // validation failure, found at submit time
    std::chrono::steady_clock::time_point submitted;
  };

  // Operations of one transaction with their outcomes; after the commit (or failure), while they
  // wait for the next sync.
  struct Batch {
    std::vector<Item> items;
    std::vector<WriteResult> results;
    bool committed = false;
  };

  // The writer thread's transaction in progress.
  struct Transaction {
    bool begun = false;
    std::optional<std::string> failure;  // nothing more is applied; the batch fails at commit
    std::uint64_t busy_us = 0;           // time spent applying and committing, not waiting
  };

  void run();
  void run_lingering();
  void run_syncing_apart();
  using Clock = std::chrono::steady_clock;
  bool wait_for_first(std::unique_lock<std::mutex>& lock);
  bool commit_due(std::size_t size, Clock::time_point first, Clock::time_point now) const;
  Clock::time_point next_check(std::size_t size, Clock::time_point first) const;
  void take(std::vector<Item>& batch);
  void apply(Batch& batch, Transaction& txn, std::size_t from);
  bool commit(Batch& batch, Transaction& txn);
  void sync_loop();
  void hand_to_syncer(Batch& batch);
  void fail_unsynced(Batch& batch, const std::string& why);
  void complete(std::vector<Item>& batch, const std::vector<WriteResult>& results);

  const std::size_t max_batch_;
  const std::size_t max_queue_;
  const std::chrono::microseconds max_delay_;
  std::unique_ptr<BatchBackend> backend_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Item> queue_;  // taken whole by the writer (swapped), so no allocation per item
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_submitted_{};
  bool awaiting_first_ = false;  // the writer waits with nothing taken: wake it on a first push
  std::size_t wake_depth_ = kApplyChunk;  // with a transaction open: wake it at this queue depth
  std::mutex join_mutex_;                 // stop() may be called from several threads
  std::thread thread_;
  std::thread::id thread_id_;

  // Syncing apart (BatchBackend::syncs_apart() only).
  bool syncs_apart_ = false;
  std::mutex sync_mutex_;
  std::condition_variable sync_wake_;  // the syncer: batches to sync, or the writer has finished
  std::condition_variable sync_room_;  // the writer: fewer than kMaxUnsynced batches wait
  std::vector<Batch> unsynced_;        // committed (or failed), waiting for the next sync
  std::vector<Batch> spare_;           // emptied batches whose vectors keep their capacity
  bool writer_finished_ = false;
  std::thread sync_thread_;
  std::thread::id sync_thread_id_;

  std::atomic<std::uint64_t> batches_committed_{0};
  std::atomic<std::uint64_t> batches_failed_{0};
  std::atomic<std::uint64_t> ops_committed_{0};
  std::atomic<std::uint64_t> ops_rejected_{0};
  std::atomic<std::uint64_t> ops_failed_{0};
  std::atomic<std::uint64_t> rows_written_{0};
  std::atomic<std::uint64_t> submissions_refused_{0};
  std::atomic<std::uint64_t> last_batch_size_{0};
  std::atomic<std::uint64_t> last_batch_us_{0};
  std::atomic<std::uint64_t> total_batch_us_{0};
  std::atomic<std::uint64_t> max_batch_us_{0};
  std::atomic<std::uint64_t> last_ack_delay_us_{0};
  std::atomic<std::uint64_t> syncs_{0};
  std::atomic<std::uint64_t> last_sync_us_{0};
};

}  // namespace soket::store
