#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace soket {

/// One token bucket per key (a client address, a UDP sender) in a table of bounded size: `rate`
/// tokens a second, at most `burst` saved up, a new key starting with a full bucket. take() spends
/// one token of a key's bucket if it has one.
///
/// The memory stays bounded whatever the number of keys: when the table holds `max_keys` buckets,
/// the full ones are forgotten (a full bucket is what a new key gets anyway); when none of them is
/// full, every key is still being limited and a new key is refused without being remembered. The
/// table is only swept when a bucket may have filled up since the last sweep, so a flood of new
/// keys against a table full of limited ones costs one lookup each.
///
/// Single-threaded: no lock.
class TokenBuckets {
 public:
  /// The clock of the times given to take().
  using Clock = std::chrono::steady_clock;

  /// `rate` 0 turns the limit off. `burst` is used as given: below 1 nothing ever passes.
  TokenBuckets(double rate, double burst, std::size_t max_keys = 65536);

  /// False when the limit is off (rate 0): then take() always says yes and remembers nothing.
  bool enabled() const { return rate_ > 0; }

  /// Spends one token of `key`'s bucket; false when it has none, or when `key` is new and the
  /// table is full of keys still limited.
  bool take(const std::string& key, Clock::time_point now = Clock::now());

  /// The keys remembered now (at most max_keys()).
  std::size_t size() const { return buckets_.size(); }
  /// The most keys remembered at once.
  std::size_t max_keys() const { return max_keys_; }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void refill(Bucket& bucket, Clock::time_point now) const;
  /// When `bucket`, refilled at `now`, will be full again.
  Clock::time_point full_at(const Bucket& bucket, Clock::time_point now) const;
  void forget_full_buckets(Clock::time_point now);

  double rate_;
  double burst_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Bucket> buckets_;
  /// No bucket in the table is full before this time (a sweep before it would free nothing).
  Clock::time_point no_full_bucket_before_ = Clock::time_point::min();
};

}  // namespace soket
