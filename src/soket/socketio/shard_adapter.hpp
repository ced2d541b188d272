#pragma once

#include <cstddef>
#include <string>

#include "soket/socketio/adapter.hpp"
#include "soket/socketio/adapter_op.hpp"
#include "soket/socketio/cluster_adapter.hpp"

namespace soket::socketio {

class ShardLinks;

/// The adapter of one namespace on one shard: a cluster adapter whose nodes are the shards of this
/// process. Broadcasts and room-wide operations take a fast path: one immutable AdapterOp, with
/// the encoded packet's bytes shared by every shard, applied by the other shards to their own
/// sockets (apply_local). Requests (fetch_sockets, server_side_emit, broadcasts with acks) go
/// through the ClusterAdapter base as ClusterMessages posted between the shards' threads, like a
/// Redis adapter's go through Redis.
///
/// sockets() sees this shard's sockets only (a Socket belongs to its shard's thread).
class ShardAdapter : public ClusterAdapter {
 public:
  /// The adapter of `nsp` on shard `shard`, linked to the other shards by `links`.
  ShardAdapter(Namespace& nsp, ShardLinks& links, std::size_t shard);
  ~ShardAdapter() override;

  /// The uid of shard `shard`'s adapters.
  static std::string shard_uid(std::size_t shard) { return "shard-" + std::to_string(shard); }

  void broadcast_packet(const Packet& packet, const BroadcastOptions& options) override {
    broadcast(encode_for_delivery(packet, options), options);
  }
  void server_count(std::function<void(std::optional<std::size_t>)> done) override;
  void broadcast(const EncodedPacket& packet, const BroadcastOptions& options) override;
  void add_sockets(const BroadcastOptions& options, std::span<const Room> rooms) override;
  void del_sockets(const BroadcastOptions& options, std::span<const Room> rooms) override;
  void disconnect_sockets(const BroadcastOptions& options, bool close) override;

  /// Applies an operation another shard forwarded, to this shard's sockets only.
  void apply_local(const AdapterOp& op);
  /// A ClusterMessage (or a response to this shard's request) from another shard.
  void deliver(ClusterMessage& message, bool response) {
    response ? on_response(message) : on_message(message);
  }

 protected:
  void do_publish(const ClusterMessage& message) override;
  void do_publish_response(const std::string& requester, const ClusterMessage& response) override;

 private:
  AdapterOp make_op(AdapterOp::Kind kind, const BroadcastOptions& options) const;

  ShardLinks& links_;
  std::size_t shard_;
};

}  // namespace soket::socketio
