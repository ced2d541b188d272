#include "soket/net/deadline_queue.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using soket::net::DeadlineQueue;
namespace asio = soket::net::asio;

namespace {

/// An entry that records when it fired and runs a hook.
class Probe final : public DeadlineQueue::Entry {
 public:
  Probe(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
  ~Probe() = default;
  std::function<void()> hook;
  DeadlineQueue::Clock::time_point fired_at{};

 private:
  void on_deadline() override {
    fired_at = DeadlineQueue::Clock::now();
    log_.push_back(name_);
    if (hook) hook();
  }
  std::string name_;
  std::vector<std::string>& log_;
};

void run_for(asio::io_context& io, std::chrono::milliseconds time) {
  io.restart();
  io.run_for(time);
}

}  // namespace

TEST(DeadlineQueue, EntriesFireOnceInDeadlineOrderAcrossLanes) {
  asio::io_context io;
  DeadlineQueue queue(io);
  std::vector<std::string> log;
  Probe a("a", log), b("b", log), c("c", log), d("d", log);
  auto start = DeadlineQueue::Clock::now();
  queue.schedule_after(a, 60ms);
  queue.schedule_after(b, 20ms);
  queue.schedule_after(c, 60ms);
  queue.schedule_after(d, 40ms);
  EXPECT_EQ(queue.size(), 4u);
  EXPECT_TRUE(a.scheduled());
  run_for(io, 5s);
  EXPECT_EQ(log, (std::vector<std::string>{"b", "d", "a", "c"}));
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_FALSE(a.scheduled());
  EXPECT_GE(b.fired_at - start, 20ms);
  EXPECT_GE(a.fired_at - start, 60ms);
}

TEST(DeadlineQueue, ManyEntriesInOrderShareOneTimer) {
  asio::io_context io;
  DeadlineQueue queue(io);
  std::vector<std::string> log;
  std::vector<std::unique_ptr<Probe>> probes;
  // One deadline for all, whatever the time scheduling takes (slow under ASan on a busy machine):
  // with schedule_after each would be due a little later and the timer set once per firing.
  const auto due = DeadlineQueue::Clock::now() + 30ms;
  for (int i = 0; i < 1000; ++i) {
    probes.push_back(std::make_unique<Probe>(std::to_string(i), log));
    queue.schedule_at(*probes.back(), 30ms, due);
  }
  EXPECT_EQ(queue.timer_sets(), 1u);  // the later entries do not touch the timer
  run_for(io, 5s);
  ASSERT_EQ(log.size(), 1000u);
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(log[i], std::to_string(i));
  EXPECT_EQ(queue.timer_sets(), 1u);  // all were due at the one wake-up
}

TEST(DeadlineQueue, AnEarlierDeadlineInALaneIsPutInItsPlace) {
  asio::io_context io;
  DeadlineQueue queue(io);
  std::vector<std::string> log;
  Probe a("a", log), b("b", log), c("c", log);
  auto now = DeadlineQueue::Clock::now();
  queue.schedule_at(a, 10ms, now + 50ms);
  queue.schedule_at(b, 10ms, now + 70ms);
  queue.schedule_at(c, 10ms, now + 20ms);  // out of order: before both
  run_for(io, 5s);
  EXPECT_EQ(log, (std::vector<std::string>{"c", "a", "b"}));
}

TEST(DeadlineQueue, CancelledAndDestroyedEntriesDoNotFire) {
  asio::io_context io;
  DeadlineQueue queue(io);
  std::vector<std::string> log;
  Probe a("a", log), b("b", log);
  auto c = std::make_unique<Probe>("c", log);
  queue.schedule_after(a, 20ms);
  queue.schedule_after(b, 20ms);
  queue.schedule_after(*c, 20ms);
  a.cancel();
  a.cancel();  // twice is harmless
  c.reset();
  EXPECT_EQ(queue.size(), 1u);
  run_for(io, 5s);
  EXPECT_EQ(log, (std::vector<std::string>{"b"}));
}

TEST(DeadlineQueue, SchedulingAgainMovesTheDeadline) {
  asio::io_context io;
  DeadlineQueue queue(io);
  std::vector<std::string> log;
  Probe a("a", log);
  auto start = DeadlineQueue::Clock::now();
  queue.schedule_after(a, 30ms);
  queue.schedule_after(a, 90ms);  // a pong came: the next ping moves
  EXPECT_EQ(queue.size(), 1u);
  run_for(io, 5s);
  EXPECT_EQ(log, (std::vector<std::string>{"a"}));
  EXPECT_GE(a.fired_at - start, 90ms);
}

TEST(DeadlineQueue, AnEntrySchedulesItselfAgainFromWhenItWasDue) {
  asio::io_context io;
  DeadlineQueue queue(io);
  std::vector<std::string> log;
  Probe a("a", log);
  int pings = 0;
  a.hook = [&] {
    if (++pings < 3) queue.schedule_at(a, 15ms, a.deadline() + 15ms);
  };
  auto start = DeadlineQueue::Clock::now();
  queue.schedule_after(a, 15ms);
  run_for(io, 5s);
  EXPECT_EQ(pings, 3);
  EXPECT_GE(a.fired_at - start, 45ms);
  EXPECT_FALSE(a.scheduled());
}

TEST(DeadlineQueue, AnEntryMayDestroyAnotherThatIsDue) {
  asio::io_context io;
  DeadlineQueue queue(io);
  std::vector<std::string> log;
  auto b = std::make_unique<Probe>("b", log);
  Probe a("a", log);
  a.hook = [&] { b.reset(); };
  auto now = DeadlineQueue::Clock::now();
  queue.schedule_at(a, 10ms, now + 10ms);
  queue.schedule_at(*b, 10ms, now + 10ms);  // due in the same round
  run_for(io, 5s);
  EXPECT_EQ(log, (std::vector<std::string>{"a"}));
  EXPECT_EQ(queue.size(), 0u);
}

TEST(DeadlineQueue, AnEntryDueAgainAtOnceWaitsForTheNextRound) {
  asio::io_context io;
  DeadlineQueue queue(io);
  std::vector<std::string> log;
  Probe a("a", log);
  int rounds = 0;
  a.hook = [&] {
    if (++rounds < 1000) queue.schedule_after(a, 0ms);
  };
  queue.schedule_after(a, 0ms);
  io.restart();
  EXPECT_EQ(io.run_one_for(5s), 1u);  // one handler, not 1000 rounds inside it
  EXPECT_EQ(rounds, 1);
  run_for(io, 5s);
  EXPECT_EQ(rounds, 1000);
}

TEST(DeadlineQueue, DestroyingTheQueueUnschedulesItsEntries) {
  asio::io_context io;
  std::vector<std::string> log;
  Probe a("a", log);
  {
    DeadlineQueue queue(io);
    queue.schedule_after(a, 0ms);
    EXPECT_TRUE(a.scheduled());
  }
  EXPECT_FALSE(a.scheduled());
  run_for(io, 50ms);  // the timer's handler outlives the queue and does nothing
  EXPECT_TRUE(log.empty());
  a.cancel();
}

TEST(DeadlineQueue, AnEmptiedQueueLeavesNoPendingWaitSoRunReturns) {
  asio::io_context io;
  DeadlineQueue queue(io);
  std::vector<std::string> log;
  Probe a("a", log), b("b", log);
  queue.schedule_after(a, 1h);
  queue.schedule_after(b, 2h);
  a.cancel();
  b.cancel();
  auto start = DeadlineQueue::Clock::now();
  io.run_for(5s);  // returns at once when nothing is pending
  EXPECT_LT(DeadlineQueue::Clock::now() - start, 1s);
  EXPECT_TRUE(log.empty());
  // And the queue still works afterwards.
  queue.schedule_after(a, 10ms);
  run_for(io, 5s);
  EXPECT_EQ(log, (std::vector<std::string>{"a"}));
}
