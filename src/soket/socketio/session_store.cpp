#include "soket/socketio/session_store.hpp"

#include <algorithm>
#include <charconv>

#include "soket/socketio/adapter.hpp"
#include "soket/util/random_id.hpp"

namespace soket::socketio {

namespace {

bool contains_any(const std::vector<Room>& rooms, const std::vector<Room>& wanted) {
  for (const auto& room : wanted)
    if (std::find(rooms.begin(), rooms.end(), room) != rooms.end()) return true;
  return false;
}

std::size_t size_of(const EncodedPacket& packet, const BroadcastOptions& options) {
  std::size_t bytes = 128;  // the bookkeeping, roughly
  for (const auto& frame : packet.frames)
    bytes += frame.bytes->size();
  for (const auto& room : options.rooms)
    bytes += room.size();
  for (const auto& room : options.except)
    bytes += room.size();
  return bytes;
}

}  // namespace

SessionStore::SessionStore(const ConnectionStateRecoveryOptions& options, Parser parser)
    // 8 random characters (48 bits) tell this store's offsets from any other's.
    : limits_(options), parser_(parser), id_(random_id().substr(0, 8)) {}

EncodedPacket SessionStore::store(Packet& packet, const BroadcastOptions& options) {
  // The offset goes last, so that the client knows the last packet it got (as in the reference).
  if (!packet.data.is_array()) packet.data.emplace_array();
  packet.data.get_array().emplace_back(id_ + "." + std::to_string(next_));
  auto encoded = encode(packet, parser_);
  add(encoded, options, Clock::now());
  return encoded;
}

void SessionStore::keep(const EncodedPacket& packet, const BroadcastOptions& options) {
  add(packet, options, Clock::now());
}

void SessionStore::add(EncodedPacket packet, const BroadcastOptions& options,
                       Clock::time_point now) {
  expire(now);
  auto bytes = size_of(packet, options);
  while (!packets_.empty() &&
         (packets_.size() >= limits_.max_packets || bytes_ + bytes > limits_.max_packet_bytes))
    drop_oldest_packet();
  bytes_ += bytes;
  packets_.push_back(
      StoredPacket{next_++, now, std::move(packet), options.rooms, options.except, bytes});
}

void SessionStore::drop_oldest_packet() {
  bytes_ -= packets_.front().bytes;
  packets_.pop_front();
}

std::string SessionStore::last_offset() const {
  return id_ + "." + std::to_string(next_ - 1);
}

void SessionStore::persist(SocketSession session) {
  auto now = Clock::now();
  expire(now);
  while (sessions_.size() >= limits_.max_sessions && !expiry_.empty()) {
    auto it = sessions_.find(expiry_.front().first);
    if (it != sessions_.end() && it->second.disconnected_at == expiry_.front().second)
      sessions_.erase(it);
    expiry_.pop_front();
  }
  auto pid = session.pid;
  expiry_.emplace_back(pid, now);
  sessions_.insert_or_assign(std::move(pid), StoredSession{std::move(session), now});
}

std::optional<RestoredSession> SessionStore::restore(std::string_view pid,
                                                     std::optional<std::string_view> offset) {
  expire(Clock::now());
  auto it = sessions_.find(std::string(pid));
  if (it == sessions_.end()) return std::nullopt;  // unknown, expired, or already taken
  auto after = parse_offset(it->second.session.start);
  if (!after) return std::nullopt;
  if (offset) {
    auto seq = parse_offset(*offset);
    if (!seq || *seq == 0) return std::nullopt;  // the client never got a packet with it
    // A client keeps its offset across sessions: never replay what came before this one.
    after = std::max(*after, *seq);
  }
  uint64_t oldest = packets_.empty() ? next_ : packets_.front().seq;
  if (*after + 1 < oldest) return std::nullopt;  // some packet it may have missed is gone
  RestoredSession restored{std::move(it->second.session), {}};
  sessions_.erase(it);
  restored.missed = missed(restored.session.rooms, *after);
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
  auto threshold = now - limits_.max_disconnection_duration;
  while (!packets_.empty() && packets_.front().emitted_at < threshold)
    drop_oldest_packet();
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
  if (seq >= next_) return std::nullopt;  // never given
  return seq;
}

}  // namespace soket::socketio
