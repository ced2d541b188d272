#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "soket/socketio/packet.hpp"
#include "soket/socketio/types.hpp"

namespace soket::socketio {

struct BroadcastOptions;

/// Connection state recovery (the reference's `connectionStateRecovery`): a client that loses its
/// connection and comes back within max_disconnection_duration gets the same socket id, its rooms,
/// its data and every packet it missed.
struct ConnectionStateRecoveryOptions {
  /// How long the sessions and the packets are kept.
  std::chrono::milliseconds max_disconnection_duration{120000};
  /// Whether a recovered socket skips the namespace's middlewares.
  bool skip_middlewares = true;
  /// Not in the reference: bounds of the in-memory store of each namespace, so that memory stays
  /// bounded whatever the traffic. The oldest packets (sessions) go first; a session that needed a
  /// dropped packet starts anew.
  std::size_t max_packets = 100000;
  /// Bound on the bytes of the kept packets (encoded).
  std::size_t max_packet_bytes = std::size_t{64} << 20;
  /// Bound on the sessions kept.
  std::size_t max_sessions = 100000;
};

/// What connection state recovery keeps of a socket that lost its connection (the reference's
/// Session).
struct SocketSession {
  SocketId sid;              ///< the socket's id, kept by the recovered socket
  std::string pid;           ///< private session id, the client's proof that the session is its own
  std::vector<Room> rooms;   ///< its rooms, its own room included
  boost::json::object data;  ///< its socket.data
  /// The offset of the newest packet kept when the session began, in the adapter's own format: a
  /// client that got no packet at all (and so sends no offset) is replayed everything after it.
  std::string start;
};

/// A session found again, with the packets it missed (oldest first, encoded with the server's
/// parser), which the socket receives before its CONNECT answer.
struct RestoredSession {
  SocketSession session;              ///< the socket as it was
  std::vector<EncodedPacket> missed;  ///< the packets it missed, encoded, oldest first
};

/// Gets the session found again, or nullopt when it cannot be recovered.
using RestoreSessionCallback = std::function<void(std::optional<RestoredSession>)>;

/// The in-memory memory of connection state recovery for one namespace of one node, as the
/// reference's SessionAwareAdapter: every EVENT sent to clients (without an ack id) gets an offset
/// as its last argument and is kept, encoded, for max_disconnection_duration; sockets that lost
/// their connection are kept as long. Offsets are "<store id>.<sequence number>", so an offset from
/// another node, another namespace or an earlier run never matches.
class SessionStore {
 public:
  /// The clock of the expiry times.
  using Clock = std::chrono::steady_clock;

  /// A store bounded by `options`, encoding with `parser`; its id is drawn at random.
  SessionStore(const ConnectionStateRecoveryOptions& options, Parser parser);

  /// Appends the next offset to the EVENT `packet`'s arguments, encodes it with the parser and
  /// keeps it for the sockets `options` targets. Returns the encoded packet to deliver.
  EncodedPacket store(Packet& packet, const BroadcastOptions& options);
  /// Keeps a packet another store gave an offset (another shard's broadcast, delivered here with
  /// the same bytes): replayed like the others, though its offset will not be known here.
  void keep(const EncodedPacket& packet, const BroadcastOptions& options);
  /// The offset of the newest packet kept so far (a session that begins now starts after it).
  std::string last_offset() const;

  /// Keeps the state of a socket that lost its connection, for max_disconnection_duration.
  void persist(SocketSession session);
  /// Takes out the session `pid` with the packets it missed, if it has not expired and every packet
  /// it may have missed (after `offset`, or after its start when the client has no offset) is still
  /// here. An unknown pid, a foreign or unknown offset: nullopt, the caller starts a new session.
  std::optional<RestoredSession> restore(std::string_view pid,
                                         std::optional<std::string_view> offset);

  /// How many packets are kept.
  std::size_t packet_count() const { return packets_.size(); }
  /// The bytes the kept packets take (encoded).
  std::size_t packet_bytes() const { return bytes_; }
  /// How many sessions are kept.
  std::size_t session_count() const { return sessions_.size(); }

 private:
  struct StoredPacket {
    uint64_t seq;
    Clock::time_point emitted_at;
    EncodedPacket packet;
    std::vector<Room> rooms;
    std::vector<Room> except;
    std::size_t bytes;
  };
  struct StoredSession {
    SocketSession session;
    Clock::time_point disconnected_at;
  };

  void add(EncodedPacket packet, const BroadcastOptions& options, Clock::time_point now);
  void drop_oldest_packet();
  void expire(Clock::time_point now);
  std::vector<EncodedPacket> missed(const std::vector<Room>& rooms, uint64_t after) const;
  /// The sequence number of `offset` if it is one of this store's (0: before the first packet).
  std::optional<uint64_t> parse_offset(std::string_view offset) const;

  ConnectionStateRecoveryOptions limits_;
  Parser parser_;
  std::string id_;
  uint64_t next_ = 1;
  std::deque<StoredPacket> packets_;  // by seq, oldest first
  std::size_t bytes_ = 0;             // of packets_
  std::unordered_map<std::string, StoredSession> sessions_;
  // Sessions in the order they were persisted, to expire them without scanning the map.
  std::deque<std::pair<std::string, Clock::time_point>> expiry_;
};

}  // namespace soket::socketio
