#include "soket/net/deadline_queue.hpp"

namespace soket::net {

struct DeadlineQueue::Lane {
  DeadlineQueue* queue;
  Clock::duration delay;
  Entry* head = nullptr;
  Entry* tail = nullptr;
};

void DeadlineQueue::Entry::cancel() {
  if (lane_) lane_->queue->unlink(*this);
}

DeadlineQueue::DeadlineQueue(asio::io_context& io)
    : timer_(io), alive_(std::make_shared<DeadlineQueue*>(this)) {}

DeadlineQueue::~DeadlineQueue() {
  *alive_ = nullptr;
  for (auto& lane : lanes_) {
    for (Entry* entry = lane->head; entry;) {
      Entry* next = entry->next_;
      entry->lane_ = nullptr;
      entry->prev_ = entry->next_ = nullptr;
      entry = next;
    }
  }
}

DeadlineQueue::Lane& DeadlineQueue::lane_for(Clock::duration delay) {
  for (auto& lane : lanes_)
    if (lane->delay == delay) return *lane;
  lanes_.push_back(std::make_unique<Lane>(Lane{this, delay}));
  return *lanes_.back();
}

void DeadlineQueue::schedule_at(Entry& entry, Clock::duration lane_delay,
                                Clock::time_point deadline) {
  if (entry.lane_) unlink(entry);
  Lane& lane = lane_for(lane_delay);
  // Walk back from the tail to the last entry due no later: no step when deadlines come in order.
  Entry* before = lane.tail;
  while (before && before->deadline_ > deadline)
    before = before->prev_;
  entry.lane_ = &lane;
  entry.deadline_ = deadline;
  entry.prev_ = before;
  entry.next_ = before ? before->next_ : lane.head;
  (entry.next_ ? entry.next_->prev_ : lane.tail) = &entry;
  (before ? before->next_ : lane.head) = &entry;
  ++size_;
  if (deadline < armed_at_) arm(deadline);
}

void DeadlineQueue::unlink(Entry& entry) {
  Lane& lane = *entry.lane_;
  (entry.prev_ ? entry.prev_->next_ : lane.head) = entry.next_;
  (entry.next_ ? entry.next_->prev_ : lane.tail) = entry.prev_;
  entry.lane_ = nullptr;
  entry.prev_ = entry.next_ = nullptr;
  --size_;
  // While entries remain the timer stays set (waking up with nothing due only sets it again).
  // Once none do, it is cancelled: a pending wait would keep io_context::run() from returning
  // when a server closes.
  if (size_ == 0 && armed_at_ != Clock::time_point::max()) {
    armed_at_ = Clock::time_point::max();
    timer_.cancel();
  }
}

void DeadlineQueue::arm(Clock::time_point at) {
  armed_at_ = at;
  ++timer_sets_;
  timer_.expires_at(at);
  timer_.async_wait([alive = std::weak_ptr<DeadlineQueue*>(alive_)](error_code ec) {
    if (ec) return;  // set again meanwhile (operation_aborted)
    auto queue = alive.lock();
    if (queue && *queue) (*queue)->on_timer();
  });
}

DeadlineQueue::Entry* DeadlineQueue::earliest_head() const {
  Entry* earliest = nullptr;
  for (const auto& lane : lanes_)
    if (lane->head && (!earliest || lane->head->deadline_ < earliest->deadline_))
      earliest = lane->head;
  return earliest;
}

void DeadlineQueue::on_timer() {
  armed_at_ = Clock::time_point::max();
  const auto now = Clock::now();
  // At most the entries pending now: one that schedules itself again at once waits for the next
  // round instead of spinning here.
  for (std::size_t budget = size_; budget > 0; --budget) {
    Entry* due = earliest_head();
    if (!due || due->deadline_ > now) break;
    unlink(*due);
    due->on_deadline();  // may schedule or destroy any entry, this one included
  }
  if (Entry* next = earliest_head(); next && next->deadline_ < armed_at_) arm(next->deadline_);
}

}  // namespace soket::net
