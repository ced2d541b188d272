#include "soket/cluster/stream_reader.hpp"

#include <spdlog/spdlog.h>

namespace soket::cluster {

namespace {
// After a failed read on a live connection (an error reply: say the key holds another type).
constexpr std::chrono::milliseconds kRetryDelay{1000};
}  // namespace

std::shared_ptr<StreamReader> StreamReader::create(net::asio::io_context& io, RedisUrl url,
                                                   StreamReaderOptions options) {
  return std::shared_ptr<StreamReader>(new StreamReader(io, std::move(url), std::move(options)));
}

StreamReader::StreamReader(net::asio::io_context& io, RedisUrl url, StreamReaderOptions options)
    : options_(std::move(options)), retry_(io) {
  RedisClientOptions client_options;
  client_options.name = "redis stream";
  client_ = RedisClient::create(io, std::move(url), client_options);
}

StreamReader::~StreamReader() {
  stop();
}

void StreamReader::start(Handler handler) {
  handler_ = std::move(handler);
  std::weak_ptr<StreamReader> weak = weak_from_this();
  client_->on_connection_change([weak](bool up) {
    if (auto self = weak.lock(); self && up) self->read();
  });
  client_->start();
}

void StreamReader::stop() {
  if (std::exchange(stopped_, true)) return;
  retry_.cancel();
  client_->stop();
  handler_ = nullptr;
}

void StreamReader::read() {
  if (stopped_ || reading_ || !client_->connected()) return;
  reading_ = true;
  client_->command({"XREAD", "COUNT", std::to_string(options_.read_count), "BLOCK",
                    std::to_string(options_.block.count()), "STREAMS", options_.stream, last_id_},
                   [weak = weak_from_this()](const RedisReply* reply, std::string_view error) {
                     if (auto self = weak.lock()) self->on_reply(reply, error);
                   });
}

void StreamReader::retry_later() {
  retry_.expires_after(kRetryDelay);
  retry_.async_wait([weak = weak_from_this()](net::error_code ec) {
    if (auto self = weak.lock(); self && !ec) self->read();
  });
}

// RESP2: nil when BLOCK timed out, else [[stream, [[id, [field, value, ...]], ...]]].
void StreamReader::on_reply(const RedisReply* reply, std::string_view error) {
  reading_ = false;
  if (stopped_) return;
  if (!reply) {
    // The connection went away: the next read starts when it is back (on_connection_change).
    spdlog::debug("redis stream {}: read failed ({})", options_.stream, error);
    return read();
  }
  if (reply->type == RedisReply::Type::error) {
    if (!std::exchange(warned_, true))
      spdlog::warn("redis stream {}: XREAD failed: {}", options_.stream, reply->str);
    return retry_later();
  }
  warned_ = false;
  if (reply->type == RedisReply::Type::array) {
    for (const auto& stream : reply->elements) {
      if (stream.type != RedisReply::Type::array || stream.elements.size() != 2) continue;
      for (const auto& entry : stream.elements[1].elements) {
        if (entry.type != RedisReply::Type::array || entry.elements.size() != 2 ||
            entry.elements[0].type != RedisReply::Type::string)
          continue;
        last_id_ = entry.elements[0].str;
        stream_codec::Fields fields;
        const auto& values = entry.elements[1].elements;
        for (std::size_t i = 0; i + 1 < values.size(); i += 2)
          fields.emplace_back(values[i].str, values[i + 1].str);
        if (handler_) handler_(last_id_, fields);
        if (stopped_) return;  // the handler stopped the reader
      }
    }
  }
  read();
}

}  // namespace soket::cluster
