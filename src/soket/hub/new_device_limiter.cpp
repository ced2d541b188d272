#include "soket/hub/new_device_limiter.hpp"

namespace soket::hub {

NewDeviceLimiter::NewDeviceLimiter(int64_t max_devices, double per_minute, double burst,
                                   std::size_t max_addresses)
    : max_devices_(max_devices),
      per_address_(per_minute / 60.0, burst > 0 ? burst : 1, max_addresses) {}

NewDeviceLimiter::Verdict NewDeviceLimiter::allow(const std::string& address, std::size_t known,
                                                  Clock::time_point now) {
  if (max_devices_ > 0 && known >= static_cast<std::size_t>(max_devices_)) {
    ++refused_;
    return Verdict::too_many_devices;
  }
  if (per_address_.take(address, now)) return Verdict::allowed;
  ++refused_;
  return Verdict::too_fast;
}

}  // namespace soket::hub
