#pragma once

#include <memory>
#include <string>

#include "soket/cluster/redis_link.hpp"
#include "soket/socketio/cluster_adapter.hpp"

namespace soket::cluster {

/// The adapter of one namespace over Redis 7 sharded pub/sub, speaking the protocol of Node's
/// createShardedAdapter (`@socket.io/redis-adapter` 8.x): the reference cluster adapter's messages
/// {uid, nsp, type, data} (JSON, or msgpack when they carry binary) with SPUBLISH on
/// `<key>#<nsp>#`, answers on `<key>#<nsp>#<uid>#`, and in the dynamic mode one channel per public
/// room, `<key>#<nsp>#<room>#`, subscribed while the room has local members. The number of nodes is
/// PUBSUB SHARDNUMSUB of the namespace channel.
class ShardedRedisAdapter : public socketio::ClusterAdapter {
 public:
  /// The adapter of `nsp`, through `link`.
  ShardedRedisAdapter(socketio::Namespace& nsp, std::shared_ptr<RedisLink> link);
  ~ShardedRedisAdapter() override;

  void server_count(std::function<void(std::optional<std::size_t>)> done) override;

 protected:
  void do_publish(const socketio::ClusterMessage& message) override;
  void do_publish_response(const std::string& requester,
                           const socketio::ClusterMessage& response) override;
  void on_room_created(const socketio::Room& room) override;
  /// Unsubscribes from a room's channel when its last local socket left.
  void on_room_deleted(const socketio::Room& room) override;

 private:
  void on_redis_message(std::string_view channel, std::string_view payload);
  bool uses_room_channel(const socketio::Room& room) const;
  std::string room_channel(const socketio::Room& room) const { return channel_ + room + "#"; }
  std::string encode(const socketio::ClusterMessage& message) const;

  std::shared_ptr<RedisLink> link_;
  std::size_t handler_id_;
  std::string channel_;           // <key>#<nsp>#
  std::string response_channel_;  // <key>#<nsp>#<uid>#
};

}  // namespace soket::cluster
