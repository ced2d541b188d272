#pragma once

#include "soket/store/store.hpp"

#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>

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

/// Holds the writer thread inside a completion until release(), so that what is submitted
/// meanwhile piles up in the queue and is committed as one batch.
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
  void wait_entered() {
    using namespace std::chrono_literals;
    if (entered_future_.wait_for(10s) != std::future_status::ready)
      throw std::runtime_error("writer never reached the gate");
  }
  /// Lets the writer go on.
  void release() { release_.set_value(); }

 private:
  std::promise<void> entered_;
  std::future<void> entered_future_ = entered_.get_future();
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

}  // namespace soket::store::testing
