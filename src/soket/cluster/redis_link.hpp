#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "soket/cluster/redis_client.hpp"
#include "soket/cluster/redis_url.hpp"
#include "soket/net/asio.hpp"
#include "soket/socketio/adapter.hpp"

namespace soket::cluster {

/// How the sharded adapter spreads rooms over channels (the reference's subscriptionMode).
enum class SubscriptionMode {
  static_mode,  // one channel per namespace
  dynamic,      // and one per public room (not a socket's own room)
};

struct RedisAdapterOptions {
  /// The prefix of every channel ("key" of the classic adapter, "channelPrefix" of the sharded).
  std::string key = "socket.io";
  /// How long fetch_sockets and server_side_emit wait for the other nodes.
  std::chrono::milliseconds requests_timeout{5000};
  /// Classic adapter: answer on `<key>-response#<nsp>#<uid>#` instead of the shared response
  /// channel (the reference's publishOnSpecificResponseChannel, off by default there too).
  bool publish_on_specific_response_channel = false;
  /// Redis 7 sharded pub/sub (SPUBLISH/SSUBSCRIBE), as the reference's createShardedAdapter.
  bool sharded = false;
  SubscriptionMode subscription_mode = SubscriptionMode::dynamic;
};

/// One node's link to Redis: a publishing connection and a subscribed one, shared by the adapters
/// of every namespace of one Socket.IO server (one io_context), like the pubClient/subClient pair
/// handed to the reference's createAdapter. Both reconnect by themselves; while Redis is away,
/// local delivery goes on and what would have crossed to the other nodes is dropped.
class RedisLink : public std::enable_shared_from_this<RedisLink> {
 public:
  using Handler = std::function<void(std::string_view channel, std::string_view payload)>;

  static std::shared_ptr<RedisLink> create(net::asio::io_context& io, RedisUrl url,
                                           RedisAdapterOptions options = {});
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  void start();
  void stop();

  /// Makes the Redis adapter (classic or sharded, per the options) of a namespace.
  socketio::AdapterFactory adapter_factory();

  const RedisAdapterOptions& options() const { return options_; }
  RedisClient& publisher() { return *pub_; }
  RedisClient& subscriber() { return *sub_; }
  net::asio::io_context& io() { return io_; }

  /// Every message the subscriber receives goes to every handler (one per namespace).
  std::size_t add_handler(Handler handler);
  void remove_handler(std::size_t id);

  /// Publishes with PUBLISH, or SPUBLISH when sharded. Dropped (logged once per outage) while
  /// Redis is unreachable.
  void publish(std::string channel, std::string payload);

  /// Subscribers of `channel` (PUBSUB NUMSUB, or SHARDNUMSUB when sharded): the number of nodes.
  void count_subscribers(std::string channel, std::function<void(std::optional<std::size_t>)> done);

 private:
  RedisLink(net::asio::io_context& io, RedisUrl url, RedisAdapterOptions options);

  net::asio::io_context& io_;
  RedisAdapterOptions options_;
  std::shared_ptr<RedisClient> pub_;
  std::shared_ptr<RedisClient> sub_;
  std::vector<std::pair<std::size_t, Handler>> handlers_;
  std::size_t next_handler_ = 0;
  bool warned_down_ = false;
};

}  // namespace soket::cluster
