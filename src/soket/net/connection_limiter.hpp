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
  /// Connections open at once, from all addresses together.
  std::size_t max_total = 0;
  /// Per source address (an IPv4-mapped IPv6 address counts as its IPv4 address).
  std::size_t max_per_address = 0;

  /// Whether any limit is set.
  bool any() const { return max_total > 0 || max_per_address > 0; }
};

/// Why a connection was refused, if it was.
///
/// `none`: admitted; `total`: max_total connections are open; `per_address`: max_per_address
/// connections are open from its address.
enum class Refusal { none, total, per_address };

/// Counts the open connections of a listener, in all and per source address, and refuses one past
/// a limit. A connection holds its place with the lease admit() returns; dropping the last copy of
/// the lease frees it (so a WebSocket taken out of its HTTP connection can keep it). With no limit
/// set admit() costs a branch and allocates nothing. Single-threaded: use it on one io thread.
/// Refusals are logged as one warning per 10 s at most, with their count.
class ConnectionLimiter {
 public:
  /// A connection's place under the limits: keep a copy as long as the connection is open.
  using Lease = std::shared_ptr<void>;

  /// What admit() decided.
  struct Admission {
    Refusal refusal = Refusal::none;  ///< none when admitted
    Lease lease;                      ///< null when refused, and when no limit is set
    /// Whether the connection was admitted.
    explicit operator bool() const { return refusal == Refusal::none; }
  };

  /// What the limits refused, since the limiter was made.
  struct Stats {
    uint64_t refused_total = 0;        ///< refused: max_total reached
    uint64_t refused_per_address = 0;  ///< refused: max_per_address reached for its address
  };

  /// `listener` names it in the log ("HTTP", "devices", "chat").
  ConnectionLimiter(std::string listener, ConnectionLimits limits = {});

  /// Replaces the limits; connections already open stay.
  void set_limits(ConnectionLimits limits) { state_->limits = limits; }
  /// The limits in force.
  const ConnectionLimits& limits() const { return state_->limits; }

  /// Counts a new connection from `address`, or refuses it past a limit; keep the lease while it is
  /// open.
  Admission admit(const asio::ip::address& address);

  /// How many admitted connections hold their lease (only counted while a limit is set).
  std::size_t open() const { return state_->open; }
  /// How many connections are open from `address` (normalized).
  std::size_t open_from(const asio::ip::address& address) const;
  /// The refusal counters, now.
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
