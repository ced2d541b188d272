#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "soket/cluster/redis_link.hpp"
#include "soket/socketio/cluster_adapter.hpp"

namespace soket::cluster {

/// The adapter of one namespace in a cluster joined by a Redis stream, speaking the protocol of
/// Node's @socket.io/redis-streams-adapter 0.3 (createAdapter), so soket and Node nodes can serve
/// one cluster:
///
/// - broadcasts without acks, sockets_join, sockets_leave and disconnect_sockets: an entry
///   {uid, nsp, type, data} appended to the stream (`socket.io`), which every node reads in order;
/// - fetch_sockets, server_side_emit and broadcasts with acks: msgpack {uid, nsp, type, data} on
///   pub/sub `<prefix>#<nsp>#`; answers on `<prefix>#<nsp>#<uid>#` (SPUBLISH when sharded);
/// - the number of nodes: the subscribers of `<prefix>#<nsp>#` (PUBSUB NUMSUB / SHARDNUMSUB).
class RedisStreamsAdapter : public socketio::ClusterAdapter {
 public:
  RedisStreamsAdapter(socketio::Namespace& nsp, std::shared_ptr<RedisLink> link);
  ~RedisStreamsAdapter() override;

  void server_count(std::function<void(std::optional<std::size_t>)> done) override;

 protected:
  void do_publish(const socketio::ClusterMessage& message) override;
  void do_publish_response(const std::string& requester,
                           const socketio::ClusterMessage& response) override;

 private:
  void on_stream_entry(std::string_view id, const stream_codec::Fields& fields);
  void on_redis_message(std::string_view channel, std::string_view payload);
  void subscribe(const std::string& channel);
  void unsubscribe(const std::string& channel);

  std::shared_ptr<RedisLink> link_;
  std::size_t handler_id_;
  std::size_t stream_handler_id_;
  std::string channel_;           // <prefix>#<nsp>#
  std::string response_channel_;  // <prefix>#<nsp>#<uid>#
};

}  // namespace soket::cluster
