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

Writer::Writer(const StoreOptions& options)
    : max_batch_(std::max<std::size_t>(options.max_batch, 1)),
      max_queue_(std::max<std::size_t>(options.max_queue, 1)),
      max_delay_(options.max_delay),
      backend_(open_batch_backend(options)) {
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
  // From a completion (the writer thread itself) joining would deadlock: the thread drains and
  // exits on its own, and the destructor joins it.
  if (std::this_thread::get_id() == thread_id_) return;
  std::lock_guard join_lock(join_mutex_);
  if (thread_.joinable()) thread_.join();
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
      if (queue_.empty()) return;  // stopping, and everything accepted has been committed
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
    commit(batch, results);
    complete(batch, results);
    batch.clear();
    results.clear();
  }
}

void Writer::commit(std::vector<Item>& batch, std::vector<WriteResult>& results) {
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
    last_ack_delay_us_.store(micros_since(batch.front().submitted), std::memory_order_relaxed);
    return;
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
