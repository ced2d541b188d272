#pragma once

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "soket/socketio/adapter.hpp"
#include "soket/socketio/cluster_message.hpp"

namespace soket::socketio {

/// Settings shared by every cluster adapter.
struct ClusterAdapterOptions {
  /// How long fetch_sockets and server_side_emit wait for the other nodes.
  std::chrono::milliseconds requests_timeout{5000};
};

/// The part of a cluster adapter that every transport shares, after the reference's
/// ClusterAdapter: it turns each operation into a ClusterMessage for the other nodes, applies the
/// messages they send to the local sockets, and owns the requests that wait for their answers
/// (fetch_sockets, server_side_emit with an ack, broadcasts with acks) with their timeouts.
///
/// A transport derives from it, implements do_publish, do_publish_response and server_count, and
/// hands what it receives to on_message / on_response. Everything runs on the namespace's thread.
class ClusterAdapter : public InMemoryAdapter {
 public:
  /// `uid` names this node in the cluster; random (as in the reference) when empty.
  ClusterAdapter(Namespace& nsp, ClusterAdapterOptions options, std::string uid = {});
  ~ClusterAdapter() override;

  /// This node's id in the cluster (messages carrying it are this node's own and are ignored).
  const std::string& uid() const { return uid_; }

  void broadcast_packet(const Packet& packet, const BroadcastOptions& options) override;
  void broadcast_with_ack(Packet packet, const BroadcastOptions& options,
                          ClientCountCallback client_count, ClientAckCallback ack) override;
  void add_sockets(const BroadcastOptions& options, std::span<const Room> rooms) override;
  void del_sockets(const BroadcastOptions& options, std::span<const Room> rooms) override;
  void disconnect_sockets(const BroadcastOptions& options, bool close) override;
  void fetch_sockets(const BroadcastOptions& options, FetchSocketsCallback done) override;
  void server_side_emit(Message message, ServerSideAckCallback ack) override;

 protected:
  /// Sends `message` to every other node.
  virtual void do_publish(const ClusterMessage& message) = 0;
  /// Sends `response` to the node whose uid is `requester`.
  virtual void do_publish_response(const std::string& requester,
                                   const ClusterMessage& response) = 0;

  /// A message from a node (this node's own, and other namespaces', are ignored).
  void on_message(ClusterMessage& message);
  /// A response to one of this node's requests (unknown request ids are ignored).
  void on_response(ClusterMessage& response);
  /// The type of the open request `request_id` of this node, if there is one.
  std::optional<ClusterMessageType> pending_request(const std::string& request_id) const;

 private:
  struct Request {
    ClusterMessageType type = ClusterMessageType::fetch_sockets;
    std::size_t expected = 0;  // answers from other nodes
    std::size_t received = 0;
    std::vector<SocketDetails> sockets;  // fetch_sockets
    Message responses;                   // server_side_emit
    FetchSocketsCallback fetch_done;
    ServerSideAckCallback emit_done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  struct AckRequest {
    ClientCountCallback client_count;
    ClientAckCallback ack;
    std::unique_ptr<boost::asio::steady_timer> expiry;
  };

  ClusterMessage make_message(ClusterMessageType type) const;
  void publish(ClusterMessage message);
  void publish_response(const std::string& requester, ClusterMessageType type,
                        const std::string& request_id, boost::json::object data,
                        std::vector<SharedBytes> attachments = {});
  /// Opens request `id`, or completes it at once when no other node needs to answer.
  void start_request(std::string id, Request request, std::optional<std::size_t> server_count,
                     ClusterMessage message);
  void finish_request(const std::string& id, std::optional<std::string> error);
  void apply_broadcast(ClusterMessage& message, const BroadcastOptions& options);

  ClusterAdapterOptions options_;
  std::string uid_;
  std::unordered_map<std::string, Request> requests_;
  std::unordered_map<std::string, AckRequest> ack_requests_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace soket::socketio
