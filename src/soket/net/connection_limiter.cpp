#include "soket/net/connection_limiter.hpp"

#include <optional>

#include "soket/util/log.hpp"

namespace soket::net {

// One admitted connection's place; gives it back when the last copy of its lease goes. It keeps
// the counts alive on its own, so a lease may outlive the listener.
struct ConnectionLimiter::Place {
  Place(std::shared_ptr<State> s, std::optional<asio::ip::address> a)
      : state(std::move(s)), address(std::move(a)) {}
  Place(const Place&) = delete;
  Place& operator=(const Place&) = delete;
  ~Place() {
    --state->open;
    if (!address) return;
    auto it = state->per_address.find(*address);
    if (it != state->per_address.end() && --it->second == 0) state->per_address.erase(it);
  }

  std::shared_ptr<State> state;
  std::optional<asio::ip::address> address;  // set when counted per address
};

ConnectionLimiter::ConnectionLimiter(std::string listener, ConnectionLimits limits)
    : listener_(std::move(listener)), state_(std::make_shared<State>()) {
  state_->limits = limits;
}

asio::ip::address ConnectionLimiter::normalize(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  return address;
}

std::size_t ConnectionLimiter::open_from(const asio::ip::address& address) const {
  auto it = state_->per_address.find(normalize(address));
  return it == state_->per_address.end() ? 0 : it->second;
}

ConnectionLimiter::Admission ConnectionLimiter::admit(const asio::ip::address& address) {
  const ConnectionLimits& limits = state_->limits;
  if (!limits.any()) return {};
  auto key = normalize(address);
  Refusal refusal = Refusal::none;
  std::size_t* from_address = nullptr;
  if (limits.max_total > 0 && state_->open >= limits.max_total) {
    refusal = Refusal::total;
  } else if (limits.max_per_address > 0) {
    from_address = &state_->per_address[key];
    if (*from_address >= limits.max_per_address) refusal = Refusal::per_address;
  }
  if (refusal != Refusal::none) {
    if (refusal == Refusal::total) {
      ++stats_.refused_total;
    } else {
      ++stats_.refused_per_address;
    }
    if (uint64_t count = log_.ready()) {
      if (refusal == Refusal::total) {
        spdlog::warn(
            "{}: refused {} connection(s) since the last such line: limit of {} "
            "connections reached (the last from {})",
            listener_, count, limits.max_total, key.to_string());
      } else {
        spdlog::warn(
            "{}: refused {} connection(s) since the last such line: limit of {} "
            "connections per address reached (the last from {})",
            listener_, count, limits.max_per_address, key.to_string());
      }
    }
    return {refusal, nullptr};
  }
  ++state_->open;
  if (from_address) ++*from_address;
  std::optional<asio::ip::address> counted;
  if (from_address) counted = key;
  return {Refusal::none, std::make_shared<Place>(state_, std::move(counted))};
}

}  // namespace soket::net
