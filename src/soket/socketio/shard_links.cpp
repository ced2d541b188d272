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

void ShardLinks::add(std::size_t shard, const std::string& nsp, ShardAdapter* adapter) {
  shards_.at(shard).adapters[nsp] = adapter;
}

void ShardLinks::remove(std::size_t shard, const std::string& nsp) {
  shards_.at(shard).adapters.erase(nsp);
}

}  // namespace soket::socketio
