#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "soket/cluster/redis_link.hpp"
#include "soket/socketio/cluster_adapter.hpp"

namespace soket::cluster {

/// The adapter of one namespace in a cluster joined by a Redis stream, speaking the protocol of
/// Node's `@socket.io/redis-streams-adapter` 0.3 (createAdapter), so soket and Node nodes can serve
/// one cluster:
///
/// - broadcasts without acks, sockets_join, sockets_leave and disconnect_sockets: an entry
///   {uid, nsp, type, data} appended to the namespace's stream (`socket.io`, or `socket.io-<i>`
///   with several streams), which every node reads in order;
/// - fetch_sockets, server_side_emit and broadcasts with acks: msgpack {uid, nsp, type, data} on
///   pub/sub `<prefix>#<nsp>#`; answers on `<prefix>#<nsp>#<uid>#` (SPUBLISH when sharded);
/// - the number of nodes: the subscribers of `<prefix>#<nsp>#` (PUBSUB NUMSUB / SHARDNUMSUB).
///
/// With connection state recovery on, sessions live in Redis, so a client recovers on any node:
/// a packet's offset is the id of its stream entry (local delivery waits for XADD's answer, as in
/// the reference), a lost session is `SET <sessionKeyPrefix><pid> <base64 msgpack> PX <max
/// disconnection duration>`, and restoring takes it out (MULTI GET DEL EXEC) and replays the
/// broadcasts of the stream after the client's offset that targeted its rooms (XRANGE).
class RedisStreamsAdapter : public socketio::ClusterAdapter {
 public:
  /// The adapter of `nsp`, reading and writing the stream(s) through `link`.
  RedisStreamsAdapter(socketio::Namespace& nsp, std::shared_ptr<RedisLink> link);
  ~RedisStreamsAdapter() override;

  void server_count(std::function<void(std::optional<std::size_t>)> done) override;
  void broadcast_packet(const socketio::Packet& packet,
                        const socketio::BroadcastOptions& options) override;

  // Connection state recovery through Redis.
  void emit_to_socket(socketio::Socket& socket, const socketio::Packet& packet,
                      const socketio::BroadcastOptions& options) override;
  socketio::EncodedPacket keep_for_recovery(socketio::Packet& packet,
                                            const socketio::BroadcastOptions& options) override;
  std::string last_offset() override;
  void persist_session(socketio::SocketSession session) override;
  void restore_session(std::string pid, std::optional<std::string> offset,
                       socketio::RestoreSessionCallback done) override;

  /// The stream this namespace's entries go to.
  const std::string& stream() const { return stream_; }

 protected:
  void do_publish(const socketio::ClusterMessage& message) override;
  void do_publish_response(const std::string& requester,
                           const socketio::ClusterMessage& response) override;

 private:
  struct Restore;

  void on_stream_entry(std::string_view id, const stream_codec::Fields& fields);
  void on_redis_message(std::string_view channel, std::string_view payload);
  void subscribe(const std::string& channel);
  void unsubscribe(const std::string& channel);
  /// Appends the broadcast of `packet` to the stream, then delivers it to the local sockets with
  /// the entry's id as its offset (without one when Redis did not take it).
  void append_then_deliver(const socketio::Packet& packet,
                           const socketio::BroadcastOptions& options);
  void read_missed(std::shared_ptr<Restore> restore, std::string after, std::size_t calls);
  /// Adds the entry to the restored session's missed packets if it is a broadcast that targeted
  /// the session.
  void add_missed(Restore& restore, const std::string& id, const stream_codec::Fields& fields);
  void finish_restore(const std::shared_ptr<Restore>& restore);
  /// Keeps an entry the reader is about to deliver for every restore under way.
  void capture_for_restores(std::string_view id, const stream_codec::Fields& fields);
  /// Hands the session back, with the entries delivered meanwhile that the replay did not hold.
  void complete_restore(Restore& restore);
  /// Completes the waiting restores the reader has caught up with (and `only`, whatever).
  void complete_waiting(const Restore* only);

  std::shared_ptr<RedisLink> link_;
  std::size_t handler_id_;
  std::size_t stream_handler_id_;
  std::string stream_;
  std::string channel_;           // <prefix>#<nsp>#
  std::string response_channel_;  // <prefix>#<nsp>#<uid>#
  std::string entry_offset_;      // the id of the stream entry being applied, if any
  std::string last_offset_;       // the newest entry id of this namespace known here
  std::vector<std::shared_ptr<Restore>> waiting_restores_;
  // Restores under way: the entries this node's reader delivers meanwhile reach the local sockets
  // before the restored one is back, so they are kept for it (capture_for_restores).
  std::vector<std::weak_ptr<Restore>> restoring_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace soket::cluster
