#include "soket/util/token_buckets.hpp"

#include <algorithm>

namespace soket {

TokenBuckets::TokenBuckets(double rate, double burst, std::size_t max_keys)
    : rate_(rate), burst_(burst), max_keys_(max_keys) {}

void TokenBuckets::refill(Bucket& bucket, Clock::time_point now) const {
  double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  if (elapsed > 0) bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
  bucket.updated = now;
}

TokenBuckets::Clock::time_point TokenBuckets::full_at(const Bucket& bucket,
                                                      Clock::time_point now) const {
  // Capped far below the clock's range (a very slow rate would overflow it).
  double seconds = std::min(1e9, std::max(0.0, (burst_ - bucket.tokens) / rate_));
  return now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

void TokenBuckets::forget_full_buckets(Clock::time_point now) {
  if (now < no_full_bucket_before_) return;
  Clock::time_point next = Clock::time_point::max();
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    if (it->second.tokens >= burst_) {
      it = buckets_.erase(it);
    } else {
      next = std::min(next, full_at(it->second, now));
      ++it;
    }
  }
  no_full_bucket_before_ = next;
}

bool TokenBuckets::take(const std::string& key, Clock::time_point now) {
  if (!enabled()) return true;
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) forget_full_buckets(now);
    if (buckets_.size() >= max_keys_) return false;
    it = buckets_.emplace(key, Bucket{burst_, now}).first;
  } else {
    refill(it->second, now);
  }
  Bucket& bucket = it->second;
  bool allowed = bucket.tokens >= 1;
  if (allowed) bucket.tokens -= 1;
  // The bucket may fill up before the time the last sweep found (a new one, or one that was
  // full already and could not spend).
  no_full_bucket_before_ = std::min(no_full_bucket_before_, full_at(bucket, now));
  return allowed;
}

}  // namespace soket
