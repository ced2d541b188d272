#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "soket/http/server.hpp"
#include "soket/socketio/options.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/shard_links.hpp"

namespace soket::socketio {

/// N shards of one Socket.IO app: each shard is an io_context on its own thread with its own HTTP
/// and Socket.IO server, all listening on the same port with SO_REUSEPORT so the kernel spreads the
/// connections. A connection lives on one shard for its whole life; broadcasts and room-wide
/// operations reach the other shards through ShardAdapter. With one shard this is a plain server
/// (InMemoryAdapter, no SO_REUSEPORT) running on the thread that calls run().
///
/// With more than one shard, long-polling is turned off: a polling session's requests come on
/// separate TCP connections that the kernel may hand to different shards. Clients must connect with
/// the WebSocket transport only (socket.io-client: `transports: ["websocket"]`).
class ShardGroup {
 public:
  /// Makes the adapter factory of a shard from its io_context (a cluster adapter, say).
  using AdapterMaker = std::function<AdapterFactory(net::asio::io_context&)>;

  /// With `adapter_maker`, each shard's namespaces get the adapters it makes and the shards share
  /// rooms through them (each shard is then a node of that cluster) instead of ShardLinks.
  explicit ShardGroup(std::size_t count, ServerOptions options = {},
                      http::ServerOptions http_options = {}, AdapterMaker adapter_maker = {});
  ~ShardGroup();
  ShardGroup(const ShardGroup&) = delete;
  ShardGroup& operator=(const ShardGroup&) = delete;

  /// How many shards.
  std::size_t size() const { return shards_.size(); }
  /// Shard `shard`'s io_context.
  net::asio::io_context& io(std::size_t shard) { return shards_.at(shard)->io; }
  /// Shard `shard`'s HTTP server.
  http::Server& http(std::size_t shard) { return *shards_.at(shard)->http; }
  /// Shard `shard`'s Socket.IO server: set it up (handlers, middlewares) before run(), from then on
  /// touch it only on that shard's thread (its handlers run there).
  Server& server(std::size_t shard) { return *shards_.at(shard)->server; }

  /// Every shard listens on `endpoint`; with port 0 the first shard picks a port and the others
  /// bind the same. Returns the bound endpoint. Call before run(); throws on bind failure. With
  /// `tls` the port speaks TLS (every shard uses the same TlsContext, reloadable from any thread).
  net::tcp::endpoint listen(const net::tcp::endpoint& endpoint, net::TlsContextPtr tls = nullptr);

  /// Stops on SIGINT or SIGTERM (once run() runs).
  void stop_on_signals();

  /// Runs shard 0 on the calling thread and the others on their own threads, until stop(); then
  /// joins them.
  void run();

  /// Closes each shard's servers on its own thread and stops its loop. Callable from any thread.
  void stop();

 private:
  struct Shard {
    net::asio::io_context io{1};  // declared first: outlives the servers and their timers
    std::shared_ptr<http::Server> http;
    std::unique_ptr<Server> server;
  };

  std::optional<ShardLinks> links_;  // with more than one shard; outlives the adapters
  std::vector<std::unique_ptr<Shard>> shards_;
  std::optional<net::asio::signal_set> signals_;
  std::vector<std::thread> threads_;
};

}  // namespace soket::socketio
