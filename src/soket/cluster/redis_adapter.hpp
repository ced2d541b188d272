#pragma once

#include <memory>
#include <string>

#include "soket/cluster/redis_link.hpp"
#include "soket/socketio/cluster_adapter.hpp"

namespace soket::cluster {

/// The adapter of one namespace in a cluster joined by Redis pub/sub, speaking exactly the
/// protocol of Node's `@socket.io/redis-adapter` 8.x (createAdapter), so soket and Node nodes can
/// serve one cluster, and `@socket.io/redis-emitter` can reach both:
///
/// - broadcasts: msgpack [uid, packet, opts] on `<key>#<nsp>#`, or `<key>#<nsp>#<room>#` when the
///   broadcast targets exactly one room (nodes without that room skip it unread);
/// - requests: JSON (msgpack when it carries binary) {uid, type, requestId?, ...} on
///   `<key>-request#<nsp>#`; answers on `<key>-response#<nsp>#`;
/// - the number of nodes: the subscribers of the request channel (PUBSUB NUMSUB).
class RedisAdapter : public socketio::ClusterAdapter {
 public:
  /// The adapter of `nsp`, talking through `link` (one link serves every namespace).
  RedisAdapter(socketio::Namespace& nsp, std::shared_ptr<RedisLink> link);
  ~RedisAdapter() override;

  void server_count(std::function<void(std::optional<std::size_t>)> done) override;

  /// The classic adapter's request types, with their numbers.
  enum class RequestType : int {
    sockets = 0,
    all_rooms,
    remote_join,
    remote_leave,
    remote_disconnect,
    remote_fetch,
    server_side_emit,
    broadcast,
    broadcast_client_count,
    broadcast_ack,
  };

 protected:
  void do_publish(const socketio::ClusterMessage& message) override;
  void do_publish_response(const std::string& requester,
                           const socketio::ClusterMessage& response) override;

 private:
  void on_redis_message(std::string_view channel, std::string_view payload);
  void on_broadcast(std::string_view channel, std::string_view payload);
  void on_request(std::string_view payload);
  void on_response_payload(std::string_view payload);
  /// Requests only the classic protocol has (sid-based join/leave/disconnect, sockets, allRooms).
  void on_legacy_request(RequestType type, boost::json::object& request);
  void publish_json_or_msgpack(const std::string& channel, const boost::json::object& body,
                               const std::vector<SharedBytes>& attachments);

  std::shared_ptr<RedisLink> link_;
  std::size_t handler_id_;
  std::string channel_;           // <key>#<nsp>#
  std::string request_channel_;   // <key>-request#<nsp>#
  std::string response_channel_;  // <key>-response#<nsp>#
  std::string specific_response_channel_;
};

}  // namespace soket::cluster
