#pragma once

#include <cstddef>

#include "soket/socketio/adapter.hpp"
#include "soket/socketio/adapter_op.hpp"

namespace soket::socketio {

class ShardLinks;

/// The adapter of one namespace on one shard: rooms in memory like InMemoryAdapter, and every
/// broadcast and room-wide operation is also forwarded to the same namespace on the other shards,
/// which apply it to their own sockets only (apply_local, the entry point a cluster adapter's
/// receiving side calls too).
///
/// Local only: sockets() and fetch_sockets() see this shard's sockets (a Socket belongs to its
/// shard's thread and cannot be handed to another thread).
class ShardAdapter : public InMemoryAdapter {
 public:
  ShardAdapter(Namespace& nsp, ShardLinks& links, std::size_t shard);
  ~ShardAdapter() override;

  void broadcast(const EncodedPacket& packet, const BroadcastOptions& options) override;
  void add_sockets(const BroadcastOptions& options, std::span<const Room> rooms) override;
  void del_sockets(const BroadcastOptions& options, std::span<const Room> rooms) override;
  void disconnect_sockets(const BroadcastOptions& options, bool close) override;

  /// Applies an operation another shard forwarded, to this shard's sockets only.
  void apply_local(const AdapterOp& op);

 private:
  AdapterOp make_op(AdapterOp::Kind kind, const BroadcastOptions& options) const;

  ShardLinks& links_;
  std::size_t shard_;
};

}  // namespace soket::socketio
