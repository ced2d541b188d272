#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "soket/socketio/packet.hpp"
#include "soket/socketio/types.hpp"

namespace soket::socketio {

struct BroadcastOptions;

/// What connection state recovery keeps of a socket that lost its connection.
struct SocketSession {
  SocketId sid;
  std::string pid;  // private session id, the client's proof that the session is its own
  std::vector<Room> rooms;
  boost::json::object data;
  /// The sequence number of the last packet stored before the session began: a client that got no
  /// packet at all (and so sends no offset) is replayed everything after it.
  uint64_t start = 0;
};

/// A session found again, and the sequence number after which the client missed packets.
struct RestoredSession {
  SocketSession session;
  uint64_t replay_after = 0;
};

/// The memory of connection state recovery for one namespace of one node, as the reference's
/// SessionAwareAdapter: every EVENT sent to clients (without an ack id) gets an offset as its last
/// argument and is kept, encoded, for max_disconnection_duration; sockets that lost their
/// connection are kept as long. Offsets are "<store id>.<sequence number>", so an offset from
/// another node, another namespace or an earlier run never matches.
class SessionStore {
 public:
  using Clock = std::chrono::steady_clock;

  explicit SessionStore(std::chrono::milliseconds max_disconnection_duration);

  /// Appends the next offset to the EVENT `packet`'s arguments, encodes it and keeps it for the
  /// sockets `options` targets. Returns the encoded packet to deliver.
  EncodedPacket store(Packet& packet, const BroadcastOptions& options);
  /// Keeps a packet another store gave an offset (another shard's broadcast, delivered here with
  /// the same bytes): replayed like the others, though its offset will not be known here.
  void keep(const EncodedPacket& packet, const BroadcastOptions& options);
  /// The sequence number of the newest packet stored (0 before the first).
  uint64_t last() const { return next_ - 1; }

  void persist(SocketSession session);
  /// Takes out the session `pid` if it has not expired and every packet it may have missed (after
  /// `offset`, or after its start when the client has no offset) is still here. An unknown pid, a
  /// foreign or unknown offset: nullopt, the caller starts a new session.
  std::optional<RestoredSession> restore(std::string_view pid,
                                         std::optional<std::string_view> offset);
  /// The stored packets after `after` that targeted a socket in `rooms`, oldest first.
  std::vector<EncodedPacket> missed(const std::vector<Room>& rooms, uint64_t after) const;

  std::size_t packet_count() const { return packets_.size(); }
  std::size_t session_count() const { return sessions_.size(); }

 private:
  struct StoredPacket {
    uint64_t seq;
    Clock::time_point emitted_at;
    EncodedPacket packet;
    std::vector<Room> rooms;
    std::vector<Room> except;
  };
  struct StoredSession {
    SocketSession session;
    Clock::time_point disconnected_at;
  };

  void expire(Clock::time_point now);
  std::optional<uint64_t> parse_offset(std::string_view offset) const;

  std::chrono::milliseconds max_duration_;
  std::string id_;
  uint64_t next_ = 1;
  std::deque<StoredPacket> packets_;  // by seq, oldest first
  std::unordered_map<std::string, StoredSession> sessions_;
  // Sessions in the order they were persisted, to expire them without scanning the map.
  std::deque<std::pair<std::string, Clock::time_point>> expiry_;
};

}  // namespace soket::socketio
