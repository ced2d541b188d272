#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "soket/net/asio.hpp"
#include "soket/socketio/adapter.hpp"
#include "soket/socketio/adapter_op.hpp"
#include "soket/socketio/cluster_message.hpp"

namespace soket::socketio {

class ShardAdapter;

/// Connects the shards of one process: each shard is an io_context on its own thread with its own
/// Socket.IO server, and an adapter operation started on one shard is posted to the same namespace
/// on every other shard. Only immutable AdapterOps cross threads; each shard's table of adapters is
/// touched on that shard's thread only (or before the threads start / after they are joined).
class ShardLinks {
 public:
  /// Links the shards whose io_contexts are `shards` (shard i is shards[i]); they must outlive
  /// this.
  explicit ShardLinks(std::vector<net::asio::io_context*> shards);
  ShardLinks(const ShardLinks&) = delete;
  ShardLinks& operator=(const ShardLinks&) = delete;

  /// The number of shards.
  std::size_t size() const { return shards_.size(); }

  /// The adapter factory for the Socket.IO server of shard `shard`.
  AdapterFactory adapter_factory(std::size_t shard);

  /// Applies `op` locally on every shard but `from`, each on its own thread, in the order sent.
  void forward(std::size_t from, std::shared_ptr<const AdapterOp> op);
  /// Delivers a cluster message to every shard but `from` (each gets its own copy).
  void publish(std::size_t from, std::shared_ptr<const ClusterMessage> message);
  /// Delivers a response to shard `to`.
  void respond(std::size_t to, std::shared_ptr<const ClusterMessage> response);

 private:
  friend class ShardAdapter;

  struct Shard {
    net::asio::io_context* io;
    std::unordered_map<std::string, ShardAdapter*> adapters;  // by namespace name
  };

  void deliver(std::size_t to, std::shared_ptr<const ClusterMessage> message, bool response);
  void add(std::size_t shard, const std::string& nsp, ShardAdapter* adapter);
  void remove(std::size_t shard, const std::string& nsp);

  std::vector<Shard> shards_;  // never resized after construction
};

}  // namespace soket::socketio
