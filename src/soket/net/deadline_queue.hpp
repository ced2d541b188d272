#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "soket/net/asio.hpp"

namespace soket::net {

/// Deadlines of many objects on one io thread, served by one Asio timer.
///
/// Each object embeds an Entry and schedules it with a delay. Entries scheduled with the same
/// delay share a lane kept in deadline order. The delays come from a few settings (an Engine.IO
/// server's ping interval and ping timeout), so a lane's deadlines arrive in order and scheduling,
/// rescheduling and cancelling cost O(1) without allocating (an entry out of order walks back from
/// the lane's tail). The one timer waits for the earliest lane head. An entry is 40 bytes, where a
/// timer per object costs the timer, the handler of its pending wait and a slot in the
/// io_context's timer heap. Single-threaded: use a queue and its entries on its io thread only.
class DeadlineQueue {
 public:
  /// The clock of every deadline.
  using Clock = std::chrono::steady_clock;

 private:
  struct Lane;

 public:
  /// An object's deadline: derive from it. on_deadline() runs once per schedule, when due.
  class Entry {
   public:
    Entry() = default;
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

    /// Whether a deadline is pending.
    bool scheduled() const { return lane_ != nullptr; }
    /// When the pending deadline is due; after it fired, when it was due.
    Clock::time_point deadline() const { return deadline_; }
    /// Drops the pending deadline, if any.
    void cancel();

   protected:
    ~Entry() { cancel(); }
    /// The deadline is due and no longer pending. The object may schedule again or be destroyed.
    virtual void on_deadline() = 0;

   private:
    friend class DeadlineQueue;
    Lane* lane_ = nullptr;
    Entry* prev_ = nullptr;
    Entry* next_ = nullptr;
    Clock::time_point deadline_{};
  };

  /// A queue whose timer runs on `io`.
  explicit DeadlineQueue(asio::io_context& io);
  /// Unschedules every pending entry (their on_deadline() never runs).
  ~DeadlineQueue();
  DeadlineQueue(const DeadlineQueue&) = delete;
  DeadlineQueue& operator=(const DeadlineQueue&) = delete;

  /// Schedules `entry` at `deadline` in the lane of `lane_delay`, replacing its pending deadline.
  /// For a deadline counted from an earlier one (a ping timeout from when the ping was due) with
  /// the delay that separates them.
  void schedule_at(Entry& entry, Clock::duration lane_delay, Clock::time_point deadline);
  /// Schedules `entry` `delay` from now, replacing its pending deadline.
  void schedule_after(Entry& entry, Clock::duration delay) {
    schedule_at(entry, delay, Clock::now() + delay);
  }

  /// Pending deadlines.
  std::size_t size() const { return size_; }
  /// How often the one timer was set (for tests: not once per entry).
  std::size_t timer_sets() const { return timer_sets_; }

 private:
  Lane& lane_for(Clock::duration delay);
  void unlink(Entry& entry);
  void arm(Clock::time_point at);
  void on_timer();
  Entry* earliest_head() const;

  asio::steady_timer timer_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  Clock::time_point armed_at_ = Clock::time_point::max();
  std::size_t size_ = 0;
  std::size_t timer_sets_ = 0;
  /// Tells a timer handler that outlived the queue not to touch it.
  std::shared_ptr<DeadlineQueue*> alive_;
};

}  // namespace soket::net
