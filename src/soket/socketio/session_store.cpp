#include "soket/socketio/session_store.hpp"

#include <algorithm>
#include <charconv>

#include "soket/socketio/adapter.hpp"
#include "soket/util/random_id.hpp"

namespace soket::socketio {

namespace {

// At most this many packets are kept, even younger than max_disconnection_duration: the sessions
// that needed the dropped ones start anew, and memory stays bounded.
constexpr std::size_t kMaxPackets = 100000;

bool contains_any(const std::vector<Room>& rooms, const std::vector<Room>& wanted) {
  for (const auto& room : wanted)
    if (std::find(rooms.begin(), rooms.end(), room) != rooms.end()) return true;
  return false;
}

}  // namespace

SessionStore::SessionStore(std::chrono::milliseconds max_disconnection_duration)
    // 8 random characters (48 bits) tell this store's offsets from any other's.
    : max_duration_(max_disconnection_duration), id_(random_id().substr(0, 8)) {}

EncodedPacket SessionStore::store(Packet& packet, const BroadcastOptions& options) {
  auto now = Clock::now();
  expire(now);
  while (packets_.size() >= kMaxPackets)  // room for the new one
    packets_.pop_front();
  uint64_t seq = next_++;
  // The offset goes last, so that the client knows the last packet it got (as in the reference).
  if (!packet.data.is_array()) packet.data.emplace_array();
  packet.data.get_array().emplace_back(id_ + "." + std::to_string(seq));
  auto encoded = encode(packet);
  packets_.push_back(StoredPacket{seq, now, encoded, options.rooms, options.except});
  return encoded;
}

void SessionStore::keep(const EncodedPacket& packet, const BroadcastOptions& options) {
  auto now = Clock::now();
  expire(now);
  while (packets_.size() >= kMaxPackets)  // room for the new one
    packets_.pop_front();
  packets_.push_back(StoredPacket{next_++, now, packet, options.rooms, options.except});
}

void SessionStore::persist(SocketSession session) {
  auto now = Clock::now();
  expire(now);
  auto pid = session.pid;
  expiry_.emplace_back(pid, now);
  sessions_.insert_or_assign(std::move(pid), StoredSession{std::move(session), now});
}

std::optional<RestoredSession> SessionStore::restore(std::string_view pid,
                                                     std::optional<std::string_view> offset) {
  expire(Clock::now());
  auto it = sessions_.find(std::string(pid));
  if (it == sessions_.end()) return std::nullopt;  // unknown, expired, or already taken
  uint64_t after = it->second.session.start;
  if (offset) {
    auto seq = parse_offset(*offset);
    if (!seq) return std::nullopt;
    // A client keeps its offset across sessions: never replay what came before this one.
    after = std::max(after, *seq);
  }
  uint64_t oldest = packets_.empty() ? next_ : packets_.front().seq;
  if (after + 1 < oldest) return std::nullopt;  // some packet it may have missed is gone
  RestoredSession restored{std::move(it->second.session), after};
  sessions_.erase(it);
  return restored;
}

std::vector<EncodedPacket> SessionStore::missed(const std::vector<Room>& rooms,
                                                uint64_t after) const {
  std::vector<EncodedPacket> found;
  if (packets_.empty() || after >= packets_.back().seq) return found;
  std::size_t first = after < packets_.front().seq ? 0 : after + 1 - packets_.front().seq;
  for (std::size_t i = first; i < packets_.size(); ++i) {
    const auto& stored = packets_[i];
    bool included = stored.rooms.empty() || contains_any(rooms, stored.rooms);
    if (included && !contains_any(rooms, stored.except)) found.push_back(stored.packet);
  }
  return found;
}

void SessionStore::expire(Clock::time_point now) {
  auto threshold = now - max_duration_;
  while (!packets_.empty() && packets_.front().emitted_at < threshold)
    packets_.pop_front();
  while (!expiry_.empty() && expiry_.front().second < threshold) {
    auto it = sessions_.find(expiry_.front().first);
    // The same pid may have been persisted again since; only its newest entry counts.
    if (it != sessions_.end() && it->second.disconnected_at == expiry_.front().second)
      sessions_.erase(it);
    expiry_.pop_front();
  }
}

std::optional<uint64_t> SessionStore::parse_offset(std::string_view offset) const {
  if (offset.size() <= id_.size() + 1 || !offset.starts_with(id_) || offset[id_.size()] != '.')
    return std::nullopt;
  auto digits = offset.substr(id_.size() + 1);
  uint64_t seq = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  if (seq == 0 || seq >= next_) return std::nullopt;  // never sent
  return seq;
}

}  // namespace soket::socketio
