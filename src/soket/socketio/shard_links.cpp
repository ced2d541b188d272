#include "soket/socketio/shard_links.hpp"

#include "soket/socketio/shard_adapter.hpp"

namespace soket::socketio {

ShardLinks::ShardLinks(std::vector<net::asio::io_context*> shards) {
  shards_.reserve(shards.size());
  for (auto* io : shards)
    shards_.push_back(Shard{io, {}});
}

AdapterFactory ShardLinks::adapter_factory(std::size_t shard) {
  return
      [this, shard](Namespace& nsp) { return std::make_unique<ShardAdapter>(nsp, *this, shard); };
}

void ShardLinks::forward(std::size_t from, std::shared_ptr<const AdapterOp> op) {
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    if (i == from) continue;
    net::asio::post(*shards_[i].io, [this, i, op] {
      auto& adapters = shards_[i].adapters;
      if (auto it = adapters.find(op->nsp); it != adapters.end()) it->second->apply_local(*op);
    });
  }
}

void ShardLinks::publish(std::size_t from, std::shared_ptr<const ClusterMessage> message) {
  for (std::size_t i = 0; i < shards_.size(); ++i)
    if (i != from) deliver(i, message, false);
}

void ShardLinks::respond(std::size_t to, std::shared_ptr<const ClusterMessage> response) {
  deliver(to, std::move(response), true);
}

void ShardLinks::deliver(std::size_t to, std::shared_ptr<const ClusterMessage> message,
                         bool response) {
  if (to >= shards_.size()) return;
  net::asio::post(*shards_[to].io, [this, to, message = std::move(message), response] {
    auto& adapters = shards_[to].adapters;
    auto it = adapters.find(message->nsp);
    if (it == adapters.end()) return;
    auto copy = *message;  // the receiver may take the message apart
    it->second->deliver(copy, response);
  });
}

void ShardLinks::add(std::size_t shard, const std::string& nsp, ShardAdapter* adapter) {
  shards_.at(shard).adapters[nsp] = adapter;
}

void ShardLinks::remove(std::size_t shard, const std::string& nsp) {
  shards_.at(shard).adapters.erase(nsp);
}

}  // namespace soket::socketio
