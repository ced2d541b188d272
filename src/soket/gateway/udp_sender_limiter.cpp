#include "soket/gateway/udp_sender_limiter.hpp"

#include <algorithm>
#include <cstdint>

namespace soket::gateway {

UdpSenderLimiter::UdpSenderLimiter(double per_second, double burst, std::size_t max_senders)
    : datagrams_(per_second, burst >= 1 ? burst : std::max(1.0, per_second), max_senders),
      warnings_(per_second > 0 ? 1 : 0, 1, max_senders) {}

UdpSenderLimiter::Verdict UdpSenderLimiter::check(const net::udp::endpoint& sender,
                                                  Clock::time_point now) {
  if (!enabled()) return Verdict::allowed;
  // The key: the address's bytes (4 or 16) then the port's two, no text formatting per datagram.
  key_.clear();
  auto address = sender.address();
  if (address.is_v4()) {
    auto bytes = address.to_v4().to_bytes();
    key_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  } else {
    auto bytes = address.to_v6().to_bytes();
    key_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  uint16_t port = sender.port();
  key_.push_back(static_cast<char>(port >> 8));
  key_.push_back(static_cast<char>(port & 0xff));
  if (datagrams_.take(key_, now)) return Verdict::allowed;
  return warnings_.take(key_, now) ? Verdict::drop_and_tell : Verdict::drop;
}

}  // namespace soket::gateway
