#include "soket/hub/new_device_limiter.hpp"

#include <algorithm>

namespace soket::hub {

NewDeviceLimiter::NewDeviceLimiter(int64_t max_devices, double per_minute, double burst,
                                   std::size_t max_addresses)
    : max_devices_(max_devices),
      per_second_(per_minute / 60.0),
      burst_(burst > 0 ? burst : 1),
      max_addresses_(max_addresses) {}

void NewDeviceLimiter::refill(Bucket& bucket, Clock::time_point now) const {
  double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  if (elapsed > 0) bucket.tokens = std::min(burst_, bucket.tokens + elapsed * per_second_);
  bucket.updated = now;
}

void NewDeviceLimiter::forget_full_buckets(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
  }
}

NewDeviceLimiter::Verdict NewDeviceLimiter::allow(const std::string& address, std::size_t known,
                                                  Clock::time_point now) {
  if (max_devices_ > 0 && known >= static_cast<std::size_t>(max_devices_)) {
    ++refused_;
    return Verdict::too_many_devices;
  }
  if (per_second_ <= 0) return Verdict::allowed;
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_addresses_) forget_full_buckets(now);
    if (buckets_.size() >= max_addresses_) {
      ++refused_;
      return Verdict::too_fast;
    }
    it = buckets_.emplace(address, Bucket{burst_, now}).first;
  } else {
    refill(it->second, now);
  }
  if (it->second.tokens < 1) {
    ++refused_;
    return Verdict::too_fast;
  }
  it->second.tokens -= 1;
  return Verdict::allowed;
}

}  // namespace soket::hub
