#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "soket/cluster/redis_client.hpp"
#include "soket/cluster/redis_url.hpp"
#include "soket/cluster/stream_reader.hpp"
#include "soket/net/asio.hpp"
#include "soket/socketio/adapter.hpp"

namespace soket::cluster {

/// How the sharded adapter spreads rooms over channels (the reference's subscriptionMode).
enum class SubscriptionMode {
  static_mode,  // one channel per namespace
  dynamic,      // and one per public room (not a socket's own room)
};

/// Which of Node's Redis adapters a node speaks.
enum class RedisAdapterKind {
  pubsub,   // @socket.io/redis-adapter (createAdapter, or createShardedAdapter when sharded)
  streams,  // @socket.io/redis-streams-adapter 0.3 (createAdapter)
};

/// How a node's Redis adapters talk to the others (the reference adapters' options).
struct RedisAdapterOptions {
  /// Which reference adapter's protocol to speak.
  RedisAdapterKind kind = RedisAdapterKind::pubsub;
  /// The prefix of every channel ("key" of the classic adapter, "channelPrefix" of the sharded).
  std::string key = "socket.io";
  /// How long fetch_sockets and server_side_emit wait for the other nodes.
  std::chrono::milliseconds requests_timeout{5000};
  /// Classic adapter: answer on `<key>-response#<nsp>#<uid>#` instead of the shared response
  /// channel (the reference's publishOnSpecificResponseChannel, off by default there too).
  bool publish_on_specific_response_channel = false;
  /// Redis 7 sharded pub/sub (SPUBLISH/SSUBSCRIBE), as the reference's createShardedAdapter.
  bool sharded = false;
  /// Which channels to subscribe to: one per public room (dynamic) or only the namespace's.
  SubscriptionMode subscription_mode = SubscriptionMode::dynamic;
  /// Streams adapter: the stream (streamName), how it is read (readCount, blockTimeInMs) and its
  /// approximate bound (XADD MAXLEN ~ maxLen). `sharded` is its useShardedPubSub.
  StreamReaderOptions stream;
  /// Streams adapter: the approximate bound of the stream (XADD MAXLEN ~, the reference's maxLen).
  std::size_t stream_max_len = 10000;
  /// Streams adapter: how many streams the namespaces are spread over (streamCount). With more
  /// than one, the streams are `<stream>-<i>` and a namespace always uses the same one.
  std::size_t stream_count = 1;
  /// Streams adapter, connection state recovery: where a lost session is kept
  /// (`<prefix><pid>`, the reference's sessionKeyPrefix).
  std::string session_key_prefix = "sio:session:";
};

/// The stream of namespace `nsp`, as the reference computes it: `stream` itself with one stream,
/// else `<stream>-<i>` with i the JavaScript `hashCode(nsp) % stream_count` (31-based hash of the
/// UTF-16 code units, wrapped to 32 signed bits; i is negative when the hash is).
std::string stream_of_namespace(std::string_view nsp, const std::string& stream,
                                std::size_t stream_count);

/// One node's link to Redis: a publishing connection and a subscribed one (and, for the streams
/// adapter, a third that reads the stream), shared by the adapters of every namespace of one
/// Socket.IO server (one io_context), like the pubClient/subClient pair handed to the reference's
/// createAdapter. They reconnect by themselves; while Redis is away, local delivery goes on and
/// what would have crossed to the other nodes is dropped.
class RedisLink : public std::enable_shared_from_this<RedisLink> {
 public:
  /// Receives each message of a subscribed channel.
  using Handler = std::function<void(std::string_view channel, std::string_view payload)>;

  /// A link to the Redis server at `url`, used from `io`'s thread; call start() to connect.
  static std::shared_ptr<RedisLink> create(net::asio::io_context& io, RedisUrl url,
                                           RedisAdapterOptions options = {});
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  /// Connects (and reconnects by itself) and subscribes.
  void start();
  /// Disconnects; the adapters then deliver locally only.
  void stop();

  /// Makes the Redis adapter (classic, sharded or streams, per the options) of a namespace.
  socketio::AdapterFactory adapter_factory();

  /// The options it was made with.
  const RedisAdapterOptions& options() const { return options_; }
  /// The connection that publishes and sends commands.
  RedisClient& publisher() { return *pub_; }
  /// The subscribed connection.
  RedisClient& subscriber() { return *sub_; }
  /// The io_context it runs on.
  net::asio::io_context& io() { return io_; }

  /// Every message the subscriber receives goes to every handler (one per namespace).
  std::size_t add_handler(Handler handler);
  /// Removes a handler added with add_handler().
  void remove_handler(std::size_t id);

  /// Publishes with PUBLISH, or SPUBLISH when sharded. Dropped (logged once per outage) while
  /// Redis is unreachable.
  void publish(std::string channel, std::string payload);

  /// Streams adapter: every entry of every stream read goes to every stream handler.
  std::size_t add_stream_handler(StreamReader::Handler handler);
  /// Removes a handler added with add_stream_handler().
  void remove_stream_handler(std::size_t id);
  /// The stream of namespace `nsp`; it is read from now on (with stream_count streams, the
  /// reference reads `<stream>-0` to `<stream>-<count-1>` only: a namespace whose hash is negative
  /// gets a stream no Node node reads, which soket nodes read).
  std::string stream_for(std::string_view nsp);
  /// The id Redis gave the entry, or nullopt when it was not added (Redis unreachable, an error).
  using AppendCallback = std::function<void(std::optional<std::string> id)>;
  /// XADD of one entry to `stream`, trimmed to about stream_max_len entries. Dropped (logged
  /// once per outage) while Redis is unreachable. `done`, when given, is called later, in the order
  /// of the appends.
  void append_to_stream(const std::string& stream, const stream_codec::Fields& fields,
                        AppendCallback done = {});

  /// Subscribers of `channel` (PUBSUB NUMSUB, or SHARDNUMSUB when sharded): the number of nodes.
  void count_subscribers(std::string channel, std::function<void(std::optional<std::size_t>)> done);

 private:
  RedisLink(net::asio::io_context& io, RedisUrl url, RedisAdapterOptions options);
  void warn_down();
  void read_stream(const std::string& stream);
  void on_stream_entry(std::string_view id, const stream_codec::Fields& fields);

  net::asio::io_context& io_;
  RedisAdapterOptions options_;
  std::shared_ptr<RedisClient> pub_;
  std::shared_ptr<RedisClient> sub_;
  RedisUrl url_;
  bool started_ = false;
  std::map<std::string, std::shared_ptr<StreamReader>> readers_;  // streams adapter: one a stream
  std::vector<std::pair<std::size_t, Handler>> handlers_;
  std::vector<std::pair<std::size_t, StreamReader::Handler>> stream_handlers_;
  std::size_t next_handler_ = 0;
  bool warned_down_ = false;
};

}  // namespace soket::cluster
