#include "soket/socketio/shard_group.hpp"

#include <csignal>
#include <stdexcept>
#include <string>

namespace soket::socketio {

ShardGroup::ShardGroup(std::size_t count, ServerOptions options, http::ServerOptions http_options,
                       AdapterMaker adapter_maker) {
  if (count == 0) throw std::invalid_argument("ShardGroup needs at least one shard");
  if (count > 1) {
    // A polling session cannot follow a shard: its requests may reach any of them.
    std::erase(options.engine.transports, "polling");
    if (options.engine.transports.empty())
      throw std::invalid_argument("ShardGroup: several shards need the websocket transport");
  }
  for (std::size_t i = 0; i < count; ++i)
    shards_.push_back(std::make_unique<Shard>());
  if (count > 1 && !adapter_maker) {
    std::vector<net::asio::io_context*> contexts;
    for (auto& shard : shards_)
      contexts.push_back(&shard->io);
    links_.emplace(std::move(contexts));
  }
  for (std::size_t i = 0; i < count; ++i) {
    auto& shard = *shards_[i];
    auto shard_options = options;
    if (adapter_maker)
      shard_options.adapter = adapter_maker(shard.io);
    else if (links_)
      shard_options.adapter = links_->adapter_factory(i);
    shard.http = http::Server::create(shard.io, http_options);
    shard.server = std::make_unique<Server>(shard.io, std::move(shard_options));
  }
}

ShardGroup::~ShardGroup() {
  stop();
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  signals_.reset();
  // Every Socket.IO server first, while all io_contexts still exist: closing one may run handlers
  // that broadcast, which posts to the other shards.
  for (auto& shard : shards_)
    shard->server.reset();
  for (auto& shard : shards_)
    shard->http.reset();
}

net::tcp::endpoint ShardGroup::listen(const net::tcp::endpoint& endpoint, net::TlsContextPtr tls) {
  net::ListenOptions options;
  options.reuse_port = shards_.size() > 1;
  auto bound = shards_[0]->http->listen(endpoint, options, tls);
  for (std::size_t i = 1; i < shards_.size(); ++i)
    shards_[i]->http->listen(bound, options, tls);
  return bound;
}

void ShardGroup::stop_on_signals() {
  signals_.emplace(shards_[0]->io, SIGINT, SIGTERM);
  signals_->async_wait([this](net::error_code ec, int) {
    if (!ec) stop();
  });
}

void ShardGroup::run() {
  for (std::size_t i = 1; i < shards_.size(); ++i)
    threads_.emplace_back([this, i] { shards_[i]->io.run(); });
  shards_[0]->io.run();
  for (auto& thread : threads_)
    thread.join();
  threads_.clear();
}

void ShardGroup::stop() {
  for (auto& shard : shards_) {
    net::asio::post(shard->io, [s = shard.get()] {
      if (s->server) s->server->close();
      if (s->http) s->http->stop();
      s->io.stop();
    });
  }
}

}  // namespace soket::socketio
