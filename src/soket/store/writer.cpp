#include "soket/store/writer.hpp"

#include "soket/util/log.hpp"

#include <algorithm>
#include <exception>
#include <iterator>

namespace soket::store {
namespace {

std::uint64_t micros_since(std::chrono::steady_clock::time_point start) {
  auto elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
}

}  // namespace

Writer::Writer(const StoreOptions& options) : Writer(options, open_batch_backend(options)) {}

Writer::Writer(const StoreOptions& options, std::unique_ptr<BatchBackend> backend)
    : max_batch_(std::max<std::size_t>(options.max_batch, 1)),
      max_queue_(std::max<std::size_t>(options.max_queue, 1)),
      max_delay_(options.max_delay),
      backend_(std::move(backend)) {
  syncs_apart_ = backend_->syncs_apart();
  if (syncs_apart_) {
    sync_thread_ = std::thread([this] { sync_loop(); });
    sync_thread_id_ = sync_thread_.get_id();
  }
  thread_ = std::thread([this] { run(); });
  thread_id_ = thread_.get_id();
}

Writer::~Writer() {
  stop();
}

SubmitResult Writer::submit(WriteOp op, Completion done) {
  auto invalid = validate(op);
  auto now = std::chrono::steady_clock::now();
  std::size_t depth = 0;
  bool first_awaited = false;
  std::size_t wake_at = 0;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      submissions_refused_.fetch_add(1, std::memory_order_relaxed);
      return SubmitResult::stopped;
    }
    if (queue_.size() >= max_queue_) {
      submissions_refused_.fetch_add(1, std::memory_order_relaxed);
      return SubmitResult::queue_full;
    }
    queue_.push_back(Item{std::move(op), std::move(done), std::move(invalid), now});
    depth = queue_.size();
    last_submitted_ = now;
    first_awaited = awaiting_first_;
    wake_at = wake_depth_;
  }
  // The writer waits for a first operation, for a full batch, or for the depth it asked for (a
  // chunk to apply, a batch worth committing); other pushes need no wake-up.
  if ((depth == 1 && first_awaited) || depth == max_batch_ || depth == wake_at) wake_.notify_one();
  return SubmitResult::accepted;
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  // From a completion (the writer or the sync thread) joining would deadlock: the threads drain
  // and exit on their own, and the destructor joins them.
  auto self = std::this_thread::get_id();
  if (self == thread_id_ || self == sync_thread_id_) return;
  std::lock_guard join_lock(join_mutex_);
  if (thread_.joinable()) thread_.join();
  if (sync_thread_.joinable()) sync_thread_.join();
}

WriterMetrics Writer::metrics() const {
  WriterMetrics m;
  m.batches_committed = batches_committed_.load(std::memory_order_relaxed);
  m.batches_failed = batches_failed_.load(std::memory_order_relaxed);
  m.ops_committed = ops_committed_.load(std::memory_order_relaxed);
  m.ops_rejected = ops_rejected_.load(std::memory_order_relaxed);
  m.ops_failed = ops_failed_.load(std::memory_order_relaxed);
  m.rows_written = rows_written_.load(std::memory_order_relaxed);
  m.submissions_refused = submissions_refused_.load(std::memory_order_relaxed);
  m.last_batch_size = last_batch_size_.load(std::memory_order_relaxed);
  m.last_batch_us = last_batch_us_.load(std::memory_order_relaxed);
  m.max_batch_us = max_batch_us_.load(std::memory_order_relaxed);
  m.last_ack_delay_us = last_ack_delay_us_.load(std::memory_order_relaxed);
  m.syncs = syncs_.load(std::memory_order_relaxed);
  m.last_sync_us = last_sync_us_.load(std::memory_order_relaxed);
  std::uint64_t batches = m.batches_committed + m.batches_failed;
  m.avg_batch_us = batches == 0 ? 0 : total_batch_us_.load(std::memory_order_relaxed) / batches;
  {
    std::lock_guard lock(mutex_);
    m.queue_depth = queue_.size();
  }
  return m;
}

void Writer::run() {
  if (syncs_apart_)
    run_syncing_apart();
  else
    run_lingering();
}

// Moves what is queued into `batch`, up to max_batch operations in all. mutex_ held.
void Writer::take(std::vector<Item>& batch) {
  std::size_t room = max_batch_ - std::min(batch.size(), max_batch_);
  if (batch.empty() && queue_.size() <= room) {
    std::swap(queue_, batch);  // both keep their capacity: no allocation per item
    return;
  }
  auto end = queue_.begin() + static_cast<std::ptrdiff_t>(std::min(room, queue_.size()));
  std::move(queue_.begin(), end, std::back_inserter(batch));
  queue_.erase(queue_.begin(), end);
}

// Waits for an operation to be queued; false when stopping with nothing queued. mutex_ held.
bool Writer::wait_for_first(std::unique_lock<std::mutex>& lock) {
  awaiting_first_ = true;
  wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
  awaiting_first_ = false;
  return !queue_.empty();
}

// Whether `size` operations, the oldest submitted at `first`, are to be committed now rather than
// wait for more. mutex_ held.
bool Writer::commit_due(std::size_t size, Clock::time_point first, Clock::time_point now) const {
  return stopping_ || size >= std::min(max_batch_, kEfficientBatch) || now >= first + max_delay_ ||
         (size >= kApplyChunk && now >= last_submitted_ + kPause);
}

// When commit_due() may next become true without a wake-up from submit(). mutex_ held.
Writer::Clock::time_point Writer::next_check(std::size_t size, Clock::time_point first) const {
  auto deadline = first + max_delay_;
  return size < kApplyChunk ? deadline : std::min(deadline, last_submitted_ + kPause);
}

// Each commit is made durable by the backend itself: wait up to max_delay for a fuller batch, but
// not once it holds kEfficientBatch operations, or kApplyChunk and submissions have paused.
void Writer::run_lingering() {
  Batch batch;
  batch.items.reserve(max_batch_);
  batch.results.reserve(max_batch_);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (!wait_for_first(lock)) return;  // stopping, and everything accepted has been committed
      auto first = queue_.front().submitted;
      while (!commit_due(queue_.size(), first, Clock::now())) {
        wake_depth_ = queue_.size() < kApplyChunk ? kApplyChunk : kEfficientBatch;
        wake_.wait_until(lock, next_check(queue_.size(), first));
      }
      take(batch.items);
    }
    Transaction txn;
    apply(batch, txn, 0);
    if (commit(batch, txn))
      last_ack_delay_us_.store(micros_since(batch.items.front().submitted),
                               std::memory_order_relaxed);
    complete(batch.items, batch.results);
    batch.items.clear();
    batch.results.clear();
  }
}

// The sync thread makes commits durable. Apply operations as they come; commit once the batch is
// large enough for a commit's fixed cost not to matter, or once submissions have paused with a
// fair batch applied (a pause: whoever submitted waits for this commit), or at max_delay.
void Writer::run_syncing_apart() {
  Batch batch;
  Transaction txn;
  for (;;) {
    std::size_t from = batch.items.size();
    bool due = false;
    {
      std::unique_lock lock(mutex_);
      if (batch.items.empty()) {
        if (!wait_for_first(lock)) break;  // stopping, and everything accepted has been committed
      } else {
        // Woken for a chunk to apply, when the batch reaches kApplyChunk (from then on a pause
        // commits it), and when what is queued completes the batch: submit() sees only the
        // queue's depth, not what this thread has taken already.
        std::size_t size = batch.items.size();
        std::size_t full = std::min(max_batch_, kEfficientBatch);
        std::size_t chunk = size < kApplyChunk ? kApplyChunk - size : kApplyChunk;
        wake_depth_ = size < full ? std::min(chunk, full - size) : chunk;
        wake_.wait_until(
            lock, next_check(size + queue_.size(), batch.items.front().submitted), [&] {
              return stopping_ || queue_.size() >= wake_depth_ || size + queue_.size() >= full;
            });
      }
      take(batch.items);
      due = commit_due(batch.items.size(), batch.items.front().submitted, Clock::now());
    }
    if (from == 0) {
      // The backend may keep references to operations and results until the commit: from the
      // first apply on, neither vector may grow beyond its capacity.
      batch.items.reserve(max_batch_);
      batch.results.reserve(max_batch_);
    }
    apply(batch, txn, from);
    if (!due && !txn.failure) continue;
    commit(batch, txn);
    hand_to_syncer(batch);
    txn = Transaction{};
  }
  {
    std::lock_guard lock(sync_mutex_);
    writer_finished_ = true;
  }
  sync_wake_.notify_one();
}

// Leaves `batch` empty (with a recycled batch's capacity) for the next one.
void Writer::hand_to_syncer(Batch& batch) {
  {
    std::unique_lock lock(sync_mutex_);
    sync_room_.wait(lock, [this] { return unsynced_.size() < kMaxUnsynced; });
    Batch entry;
    if (!spare_.empty()) {
      entry = std::move(spare_.back());
      spare_.pop_back();
    }
    std::swap(entry, batch);
    unsynced_.push_back(std::move(entry));
  }
  sync_wake_.notify_one();
}

void Writer::sync_loop() {
  std::vector<Batch> taken;
  for (;;) {
    {
      std::unique_lock lock(sync_mutex_);
      sync_wake_.wait(lock, [this] { return !unsynced_.empty() || writer_finished_; });
      if (unsynced_.empty()) return;  // the writer has finished and everything is completed
      std::swap(taken, unsynced_);
    }
    sync_room_.notify_one();
    // Every batch taken was committed before this sync begins, so it covers them all.
    bool any_committed =
        std::any_of(taken.begin(), taken.end(), [](const Batch& batch) { return batch.committed; });
    if (any_committed) {
      auto start = std::chrono::steady_clock::now();
      try {
        backend_->sync();
        syncs_.fetch_add(1, std::memory_order_relaxed);
        last_sync_us_.store(micros_since(start), std::memory_order_relaxed);
      } catch (const std::exception& e) {
        spdlog::error("store: making {} committed batches durable failed: {}", taken.size(),
                      e.what());
        for (auto& batch : taken)
          if (batch.committed) fail_unsynced(batch, e.what());
      }
    }
    for (auto& batch : taken) {
      if (batch.committed)
        last_ack_delay_us_.store(micros_since(batch.items.front().submitted),
                                 std::memory_order_relaxed);
      complete(batch.items, batch.results);
      batch.items.clear();
      batch.results.clear();
    }
    {
      std::lock_guard lock(sync_mutex_);
      for (auto& batch : taken)
        if (spare_.size() < kMaxUnsynced) spare_.push_back(std::move(batch));
    }
    taken.clear();
  }
}

// The batch is in the database but may not survive a crash of the machine: its writes are
// reported as failed, so that nobody is told they are safe (a device resends its reading).
void Writer::fail_unsynced(Batch& batch, const std::string& why) {
  std::uint64_t failed = 0;
  for (auto& result : batch.results) {
    if (!result.ok()) continue;
    result = WriteResult{WriteStatus::failed, 0, "database sync failed: " + why};
    ++failed;
  }
  batch.committed = false;
  batches_committed_.fetch_sub(1, std::memory_order_relaxed);
  batches_failed_.fetch_add(1, std::memory_order_relaxed);
  ops_committed_.fetch_sub(failed, std::memory_order_relaxed);
  ops_failed_.fetch_add(failed, std::memory_order_relaxed);
}

// Applies batch.items[from..] in the transaction, opening it first if needed. After a failure
// nothing more is applied: the whole batch fails at commit().
void Writer::apply(Batch& batch, Transaction& txn, std::size_t from) {
  auto start = std::chrono::steady_clock::now();
  // Sized before applying: the backend may fill a result only at commit (it keeps a reference),
  // and the capacity (max_batch) is never exceeded, so no result moves meanwhile.
  batch.results.resize(batch.items.size());
  if (!txn.failure) {
    try {
      if (!txn.begun) {
        backend_->begin();
        txn.begun = true;
      }
      for (std::size_t i = from; i < batch.items.size(); ++i) {
        if (batch.items[i].invalid)
          batch.results[i] =
              WriteResult{WriteStatus::rejected, 0, std::move(*batch.items[i].invalid)};
        else
          backend_->apply(batch.items[i].op, batch.results[i]);
      }
    } catch (const std::exception& e) {
      txn.failure = e.what();
      backend_->rollback();
    }
  }
  txn.busy_us += micros_since(start);
}

bool Writer::commit(Batch& batch, Transaction& txn) {
  auto start = std::chrono::steady_clock::now();
  std::uint64_t rows = 0;
  batch.committed = false;
  if (!txn.failure) {
    try {
      rows = backend_->commit();
      batch.committed = true;
    } catch (const std::exception& e) {
      txn.failure = e.what();
      backend_->rollback();
    }
  }

  std::uint64_t batch_us = txn.busy_us + micros_since(start);
  last_batch_us_.store(batch_us, std::memory_order_relaxed);
  total_batch_us_.fetch_add(batch_us, std::memory_order_relaxed);
  if (batch_us > max_batch_us_.load(std::memory_order_relaxed))
    max_batch_us_.store(batch_us, std::memory_order_relaxed);
  last_batch_size_.store(batch.items.size(), std::memory_order_relaxed);

  auto& results = batch.results;
  if (batch.committed) {
    std::uint64_t ok = 0;
    for (const auto& result : results)
      ok += result.ok() ? 1 : 0;
    batches_committed_.fetch_add(1, std::memory_order_relaxed);
    ops_committed_.fetch_add(ok, std::memory_order_relaxed);
    ops_rejected_.fetch_add(results.size() - ok, std::memory_order_relaxed);
    rows_written_.fetch_add(rows, std::memory_order_relaxed);
    return true;
  }

  spdlog::error("store: batch of {} operations failed: {}", batch.items.size(), *txn.failure);
  batches_failed_.fetch_add(1, std::memory_order_relaxed);
  // Nothing of the batch was written. Refusals found before the failure keep their own reason.
  std::uint64_t failed = 0;
  for (auto& result : results) {
    if (result.status == WriteStatus::rejected) continue;
    result = WriteResult{WriteStatus::failed, 0, "database write failed: " + *txn.failure};
    ++failed;
  }
  ops_failed_.fetch_add(failed, std::memory_order_relaxed);
  ops_rejected_.fetch_add(results.size() - failed, std::memory_order_relaxed);
  return false;
}

void Writer::complete(std::vector<Item>& batch, const std::vector<WriteResult>& results) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].done) continue;
    try {
      batch[i].done(results[i]);
    } catch (const std::exception& e) {
      spdlog::error("store: completion threw: {}", e.what());
    } catch (...) {
      spdlog::error("store: completion threw");
    }
  }
}

}  // namespace soket::store
