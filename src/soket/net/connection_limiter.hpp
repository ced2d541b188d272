#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "soket/net/asio.hpp"
#include "soket/util/log_throttle.hpp"

namespace soket::net {

/// How many connections a listener holds at once; 0 = no limit.
struct ConnectionLimits {
  std::size_t max_total = 0;
  /// Per source address (an IPv4-mapped IPv6 address counts as its IPv4 address).
  std::size_t max_per_address = 0;

  bool any() const { return max_total > 0 || max_per_address > 0; }
};

enum class Refusal { none, total, per_address };

/// Counts the open connections of a listener, in all and per source address, and refuses one past
/// a limit. A connection holds its place with the lease admit() returns; dropping the last copy of
/// the lease frees it (so a WebSocket taken out of its HTTP connection can keep it). With no limit
/// set admit() costs a branch and allocates nothing. Single-threaded: use it on one io thread.
/// Refusals are logged as one warning per 10 s at most, with their count.
class ConnectionLimiter {
 public:
  using Lease = std::shared_ptr<void>;

  struct Admission {
    Refusal refusal = Refusal::none;
    Lease lease;  ///< null when refused, and when no limit is set
    explicit operator bool() const { return refusal == Refusal::none; }
  };

  struct Stats {
    uint64_t refused_total = 0;        ///< refused: max_total reached
    uint64_t refused_per_address = 0;  ///< refused: max_per_address reached for its address
  };

  /// `listener` names it in the log ("HTTP", "devices", "chat").
  ConnectionLimiter(std::string listener, ConnectionLimits limits = {});

  void set_limits(ConnectionLimits limits) { state_->limits = limits; }
  const ConnectionLimits& limits() const { return state_->limits; }

  Admission admit(const asio::ip::address& address);

  std::size_t open() const { return state_->open; }
  std::size_t open_from(const asio::ip::address& address) const;
  Stats stats() const { return stats_; }

  /// The address connections are counted under (IPv4-mapped IPv6 as IPv4).
  static asio::ip::address normalize(const asio::ip::address& address);

 private:
  struct State {
    ConnectionLimits limits;
    std::size_t open = 0;
    std::unordered_map<asio::ip::address, std::size_t> per_address;
  };
  struct Place;

  std::string listener_;
  std::shared_ptr<State> state_;
  Stats stats_;
  LogThrottle log_;
};

}  // namespace soket::net
