#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "soket/util/token_buckets.hpp"

namespace soket::hub {

/// How many devices the hub lets come into existence ([limits.devices] max_devices,
/// new_devices_per_minute, new_device_burst): a scanner or a broken client opening connection
/// after connection would otherwise create a device per connection without end.
///
/// Each source address has a token bucket (new_device_burst at once, then new_devices_per_minute);
/// the number of devices the hub knows is capped as a whole. The buckets' memory is bounded
/// (TokenBuckets): full buckets are forgotten when the table fills up, and a new address is
/// refused when it is full of addresses still creating devices.
class NewDeviceLimiter {
 public:
  /// The clock of the times given to allow().
  using Clock = TokenBuckets::Clock;
  /// What allow() decided.
  enum class Verdict {
    allowed,           ///< the device may be created
    too_many_devices,  ///< the hub knows max_devices already
    too_fast,          ///< the address's bucket is empty (or the table is full of such addresses)
  };

  /// 0 turns a limit off.
  NewDeviceLimiter(int64_t max_devices, double per_minute, double burst,
                   std::size_t max_addresses = 65536);

  /// Whether `address` may create one more device now, the hub knowing `known` devices.
  Verdict allow(const std::string& address, std::size_t known,
                Clock::time_point now = Clock::now());

  /// New devices refused so far, for either reason.
  uint64_t refused() const { return refused_; }

 private:
  int64_t max_devices_;
  TokenBuckets per_address_;
  uint64_t refused_ = 0;
};

}  // namespace soket::hub
