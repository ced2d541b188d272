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
  }
  // The writer waits either for a first item or for a full batch; other pushes need no wake-up.
  if (depth == 1 || depth == max_batch_) wake_.notify_one();
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
  std::vector<Item> batch;
  std::vector<WriteResult> results;
  batch.reserve(max_batch_);
  results.reserve(max_batch_);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) break;  // stopping, and everything accepted has been committed
      auto deadline = queue_.front().submitted + max_delay_;
      wake_.wait_until(lock, deadline, [this] { return queue_.size() >= max_batch_ || stopping_; });
      if (queue_.size() <= max_batch_) {
        std::swap(queue_, batch);  // both keep their capacity: no allocation per item
      } else {
        auto end = queue_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
        std::move(queue_.begin(), end, std::back_inserter(batch));
        queue_.erase(queue_.begin(), end);
      }
    }
    bool committed = commit(batch, results);
    if (syncs_apart_) {
      hand_to_syncer(batch, results, committed);
      continue;
    }
    if (committed)
      last_ack_delay_us_.store(micros_since(batch.front().submitted), std::memory_order_relaxed);
    complete(batch, results);
    batch.clear();
    results.clear();
  }
  if (!syncs_apart_) return;
  {
    std::lock_guard lock(sync_mutex_);
    writer_finished_ = true;
  }
  sync_wake_.notify_one();
}

// Leaves `batch` and `results` empty (with a recycled batch's capacity) for the next batch.
void Writer::hand_to_syncer(std::vector<Item>& batch, std::vector<WriteResult>& results,
                            bool committed) {
  {
    std::unique_lock lock(sync_mutex_);
    sync_room_.wait(lock, [this] { return unsynced_.size() < kMaxUnsynced; });
    Unsynced entry;
    if (!spare_.empty()) {
      entry = std::move(spare_.back());
      spare_.pop_back();
    }
    std::swap(entry.items, batch);
    std::swap(entry.results, results);
    entry.committed = committed;
    unsynced_.push_back(std::move(entry));
  }
  sync_wake_.notify_one();
}

void Writer::sync_loop() {
  std::vector<Unsynced> taken;
  for (;;) {
    {
      std::unique_lock lock(sync_mutex_);
      sync_wake_.wait(lock, [this] { return !unsynced_.empty() || writer_finished_; });
      if (unsynced_.empty()) return;  // the writer has finished and everything is completed
      std::swap(taken, unsynced_);
    }
    sync_room_.notify_one();
    // Every batch taken was committed before this sync begins, so it covers them all.
    bool any_committed = std::any_of(taken.begin(), taken.end(),
                                     [](const Unsynced& batch) { return batch.committed; });
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
void Writer::fail_unsynced(Unsynced& batch, const std::string& why) {
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

bool Writer::commit(std::vector<Item>& batch, std::vector<WriteResult>& results) {
  auto start = std::chrono::steady_clock::now();
  std::uint64_t rows = 0;
  bool committed = false;
  std::string failure;
  // Sized up front: the backend may fill a result only at commit (it keeps a reference).
  results.resize(batch.size());
  try {
    backend_->begin();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].invalid)
        results[i] = WriteResult{WriteStatus::rejected, 0, std::move(*batch[i].invalid)};
      else
        backend_->apply(batch[i].op, results[i]);
    }
    rows = backend_->commit();
    committed = true;
  } catch (const std::exception& e) {
    failure = e.what();
    backend_->rollback();
  }

  std::uint64_t batch_us = micros_since(start);
  last_batch_us_.store(batch_us, std::memory_order_relaxed);
  total_batch_us_.fetch_add(batch_us, std::memory_order_relaxed);
  if (batch_us > max_batch_us_.load(std::memory_order_relaxed))
    max_batch_us_.store(batch_us, std::memory_order_relaxed);
  last_batch_size_.store(batch.size(), std::memory_order_relaxed);

  if (committed) {
    std::uint64_t ok = 0;
    for (const auto& result : results)
      ok += result.ok() ? 1 : 0;
    batches_committed_.fetch_add(1, std::memory_order_relaxed);
    ops_committed_.fetch_add(ok, std::memory_order_relaxed);
    ops_rejected_.fetch_add(results.size() - ok, std::memory_order_relaxed);
    rows_written_.fetch_add(rows, std::memory_order_relaxed);
    return true;
  }

  spdlog::error("store: batch of {} operations failed: {}", batch.size(), failure);
  batches_failed_.fetch_add(1, std::memory_order_relaxed);
  // Nothing of the batch was written. Refusals found before the failure keep their own reason.
  std::uint64_t failed = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (results[i].status == WriteStatus::rejected) continue;
    results[i] = WriteResult{WriteStatus::failed, 0, "database write failed: " + failure};
    ++failed;
  }
  ops_failed_.fetch_add(failed, std::memory_order_relaxed);
  ops_rejected_.fetch_add(batch.size() - failed, std::memory_order_relaxed);
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
