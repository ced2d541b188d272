#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "soket/cluster/redis_url.hpp"
#include "soket/cluster/resp.hpp"
#include "soket/net/asio.hpp"

namespace soket::cluster {

/// Settings of a RedisClient.
struct RedisClientOptions {
  std::chrono::milliseconds connect_timeout{2000};  ///< resolving, connecting and the handshake
  std::chrono::milliseconds reconnect_min{100};     ///< backoff doubles up to max, with jitter
  std::chrono::milliseconds reconnect_max{2000};    ///< the longest reconnect delay
  std::size_t max_pending = 100000;  ///< commands waiting for a reply; beyond: fail at once
  std::string name;                  ///< for logs ("pub", "sub")
};

/// A Redis connection on Asio that keeps itself connected: it reconnects with backoff, renews its
/// subscriptions and fails what was in flight when the connection drops. Single-threaded: every
/// call and every callback happens on the io_context it was created with.
class RedisClient : public std::enable_shared_from_this<RedisClient> {
 public:
  /// A client of the Redis at `url`; nothing is connected before start().
  static std::shared_ptr<RedisClient> create(net::asio::io_context& io, RedisUrl url,
                                             RedisClientOptions options = {});
  ~RedisClient();

  /// Connects (AUTH/SELECT if in the URL), reconnects forever with backoff until stop(). The
  /// pending reconnect keeps the client alive: an owner must stop() it.
  void start();
  /// Closes, fails pending commands with "redis client stopped", no more callbacks afterwards
  /// except those failures (posted, like every failure of a call). A stopped client stays stopped.
  void stop();
  /// True once a connection is ready: authenticated, database selected, subscriptions renewed.
  bool connected() const;

  /// reply is null on failure, with `error` set ("not connected to redis", "redis connection
  /// lost", ...); the server's error text is NOT a failure: it is a reply of Type::error.
  using ReplyHandler = std::function<void(const RedisReply* reply, std::string_view error)>;
  /// While disconnected (or with max_pending commands waiting): fails at once, `done` called via
  /// post, never inline. Replies are matched to commands in order.
  void command(std::vector<std::string> args, ReplyHandler done = {});

  /// Subscriptions are remembered and renewed after every reconnect. A client that has any
  /// subscription is in subscriber mode: use a separate client for commands (like node-redis
  /// pub/sub clients).
  void subscribe(std::string channel);
  /// Subscribes to the channels matching the glob `pattern` (PSUBSCRIBE); remembered like
  /// subscribe().
  void psubscribe(std::string pattern);
  void ssubscribe(std::string channel);  ///< Redis 7 sharded pub/sub
  /// Unsubscribes from `channel` and forgets it.
  void unsubscribe(const std::string& channel);
  /// Unsubscribes from `pattern` and forgets it.
  void punsubscribe(const std::string& pattern);
  /// Unsubscribes from the sharded `channel` and forgets it.
  void sunsubscribe(const std::string& channel);
  /// message, pmessage (channel = the actual channel) and smessage pushes.
  using MessageHandler = std::function<void(std::string_view channel, std::string_view payload)>;
  /// Sets what receives the pushed messages (replaces the previous handler).
  void on_message(MessageHandler handler);
  /// Called with true after each (re)connection is ready (subscriptions renewed), false when it is
  /// lost.
  void on_connection_change(std::function<void(bool connected)> handler);

 private:
  enum class State { idle, resolving, connecting, handshaking, ready, waiting, stopped };
  // One command waiting for its reply. Subscription commands have no handler: Redis answers them
  // with one confirmation push per channel, counted down in `confirmations`.
  struct Pending {
    ReplyHandler done;
    std::string kind;  // "subscribe", "psubscribe", ... for subscription commands
    std::size_t confirmations = 0;
    bool internal = false;  // sent by the client itself: nobody to tell if it fails
  };

  RedisClient(net::asio::io_context& io, RedisUrl url, RedisClientOptions options);

  void connect();
  void on_connected();
  void on_ready();
  void drop(std::string_view reason);
  void schedule_reconnect();
  void post_failure(ReplyHandler done, std::string error);

  void send(const std::vector<std::string_view>& args, Pending pending);
  void send_subscription(std::string_view kind, const std::vector<std::string>& targets);
  void write_next();
  void read_next();
  void handle(RedisReply reply);
  bool handle_push(const RedisReply& reply);

  net::asio::io_context& io_;
  RedisUrl url_;
  RedisClientOptions options_;
  std::string label_;  // "redis pub (redis://host:port)" for logs

  net::tcp::resolver resolver_;
  net::tcp::socket socket_;
  net::asio::steady_timer timer_;  // connect timeout, then reconnect backoff
  State state_ = State::idle;
  uint64_t generation_ = 0;  // bumped per connection: stale completions see a different number
  std::chrono::milliseconds backoff_;
  std::minstd_rand jitter_;
  bool was_ready_ = false;        // whether a connection was ever ready (for the logs)
  bool failing_quietly_ = false;  // connect failures after the first are logged at debug
  bool subscriber_ = false;       // this connection sent a subscription: pushes may come

  std::unique_ptr<RespReader> reader_;
  std::vector<char> read_buffer_;
  std::deque<std::string> write_queue_;  // formatted commands not written yet
  std::size_t writing_ = 0;              // commands in the write in flight
  std::deque<Pending> pending_;

  std::set<std::string> channels_, patterns_, shard_channels_;
  MessageHandler on_message_;
  std::function<void(bool)> on_connection_change_;
};

}  // namespace soket::cluster
