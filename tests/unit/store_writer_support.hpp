#pragma once

#include "soket/store/store.hpp"

#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

// Helpers of the writer's tests: submit and wait, a one-value reading, and a gate that holds the
// writer thread so that what is submitted meanwhile is committed as one batch.
namespace soket::store::testing {

/// Submits `op` and waits (10 s at most) for its completion.
inline WriteResult submit_wait(Writer& writer, WriteOp op) {
  using namespace std::chrono_literals;
  std::promise<WriteResult> promise;
  auto future = promise.get_future();
  auto submitted =
      writer.submit(std::move(op), [&](const WriteResult& r) { promise.set_value(r); });
  if (submitted != SubmitResult::accepted) throw std::runtime_error("not accepted");
  if (future.wait_for(10s) != std::future_status::ready) throw std::runtime_error("no completion");
  return future.get();
}

/// One numeric sample "v" of `device` at `ts`.
inline InsertReadings reading(const std::string& device, std::int64_t ts, double value) {
  return InsertReadings{device, ts, {Sample{"v", value, std::nullopt}}};
}

/// Holds the writer thread so that what is submitted meanwhile piles up in the queue and is
/// committed as one batch: the gated operation's completion waits until release(). When the
/// writer syncs apart (its completions run on the sync thread), the writer itself is then held by
/// filler batches: Writer::kMaxUnsynced + 1 operations refused at submit time (no rows), each
/// committed alone, the last one waiting for room behind the held completion.
class WriterGate {
 public:
  /// The completion to submit with the operation that holds the writer.
  Completion completion() {
    return [this](const WriteResult&) {
      entered_.set_value();
      released_.wait();
    };
  }
  /// Waits until the writer is held.
  void wait_entered(Writer& writer) {
    using namespace std::chrono_literals;
    if (entered_future_.wait_for(10s) != std::future_status::ready)
      throw std::runtime_error("writer never reached the gate");
    if (!writer.syncs_apart()) return;
    for (std::size_t i = 0; i <= Writer::kMaxUnsynced; ++i) {
      auto committed = writer.metrics().batches_committed;
      if (writer.submit(InsertReadings{"gate", 0, {}}) != SubmitResult::accepted)
        throw std::runtime_error("gate filler not accepted");
      auto deadline = std::chrono::steady_clock::now() + 10s;
      while (writer.metrics().batches_committed == committed) {
        if (std::chrono::steady_clock::now() > deadline)
          throw std::runtime_error("gate filler never committed");
        std::this_thread::sleep_for(1ms);
      }
      ++fillers_;
    }
  }
  /// Lets the writer go on.
  void release() { release_.set_value(); }
  /// The filler batches wait_entered() added (each one committed, its operation rejected).
  std::size_t fillers() const { return fillers_; }

 private:
  std::promise<void> entered_;
  std::future<void> entered_future_ = entered_.get_future();
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  std::size_t fillers_ = 0;
};

}  // namespace soket::store::testing
