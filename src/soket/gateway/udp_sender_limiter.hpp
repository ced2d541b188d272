#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "soket/net/asio.hpp"
#include "soket/util/token_buckets.hpp"

namespace soket::gateway {

/// The rate of datagrams of each UDP sender (source address and port: a UDP "connection"): a token
/// bucket that lets `burst` through at once, then `per_second`, as LineOptions::lines_per_second
/// does for a TCP connection. A datagram over it is dropped; the sender is told so at most once a
/// second, so that the replies to a flood do not become a flood themselves.
///
/// Memory stays bounded: at most `max_senders` buckets (TokenBuckets), full ones forgotten when the
/// table fills up; a new sender is treated as over the rate while the table is full of senders
/// still limited.
///
/// Single-threaded: no lock.
class UdpSenderLimiter {
 public:
  /// The clock of the times given to check().
  using Clock = TokenBuckets::Clock;
  /// What to do with one datagram.
  enum class Verdict {
    allowed,  ///< pass it on
    drop,     ///< over the rate: drop it silently (the sender was told less than a second ago)
    drop_and_tell,  ///< over the rate: drop it and tell the sender (at most once a second)
  };

  /// `per_second` 0 turns the limit off; `burst` below 1 is taken as max(1, per_second).
  UdpSenderLimiter(double per_second, double burst, std::size_t max_senders = 65536);

  /// False when the limit is off: then check() always allows and costs nothing.
  bool enabled() const { return datagrams_.enabled(); }

  /// Counts one datagram from `sender`.
  Verdict check(const net::udp::endpoint& sender, Clock::time_point now = Clock::now());

  /// The senders remembered now.
  std::size_t senders() const { return datagrams_.size(); }

 private:
  std::string key_;  // reused: the sender's address and port as bytes, without allocating
  TokenBuckets datagrams_;
  TokenBuckets warnings_;  // one reply a second per sender
};

}  // namespace soket::gateway
