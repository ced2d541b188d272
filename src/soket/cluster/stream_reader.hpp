#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "soket/cluster/redis_client.hpp"
#include "soket/cluster/redis_url.hpp"
#include "soket/cluster/stream_codec.hpp"
#include "soket/net/asio.hpp"

namespace soket::cluster {

/// Settings of a StreamReader.
struct StreamReaderOptions {
  std::string stream = "socket.io";       ///< the stream to follow (the reference's streamName)
  std::size_t read_count = 100;           ///< entries per XREAD (the reference's readCount)
  std::chrono::milliseconds block{5000};  ///< XREAD BLOCK (the reference's blockTimeInMs)
};

/// Follows one Redis stream with XREAD BLOCK on a connection of its own (a blocked read holds its
/// connection): from the entries added after start(), then always from the last entry it read, so
/// after a lost connection (a Redis restart) it resumes where it stopped. Every entry goes to the
/// handler, in stream order. Single-threaded, like RedisClient.
class StreamReader : public std::enable_shared_from_this<StreamReader> {
 public:
  /// Gets each entry: its id (`<ms>-<seq>`) and its fields.
  using Handler = std::function<void(std::string_view id, const stream_codec::Fields& fields)>;

  /// A reader of the stream of `options` on the Redis at `url`; nothing is read before start().
  static std::shared_ptr<StreamReader> create(net::asio::io_context& io, RedisUrl url,
                                              StreamReaderOptions options);
  ~StreamReader();
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  /// Connects and reads from now on, handing every entry to `handler`.
  void start(Handler handler);
  /// No handler call afterwards.
  void stop();

  /// The id of the last entry read, "$" (only what comes next) before the first.
  const std::string& last_id() const { return last_id_; }

 private:
  StreamReader(net::asio::io_context& io, RedisUrl url, StreamReaderOptions options);
  void read();
  void retry_later();
  void on_reply(const RedisReply* reply, std::string_view error);

  StreamReaderOptions options_;
  std::shared_ptr<RedisClient> client_;
  net::asio::steady_timer retry_;
  Handler handler_;
  std::string last_id_ = "$";
  bool reading_ = false;  // an XREAD is in flight
  bool stopped_ = false;
  bool warned_ = false;  // one warning per run of failed reads
};

}  // namespace soket::cluster
