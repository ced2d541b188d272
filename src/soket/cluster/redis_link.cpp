#include "soket/cluster/redis_link.hpp"

#include <spdlog/spdlog.h>

#include <cstdint>

#include "soket/cluster/redis_adapter.hpp"
#include "soket/cluster/redis_streams_adapter.hpp"
#include "soket/cluster/sharded_redis_adapter.hpp"

namespace soket::cluster {

std::shared_ptr<RedisLink> RedisLink::create(net::asio::io_context& io, RedisUrl url,
                                             RedisAdapterOptions options) {
  return std::shared_ptr<RedisLink>(new RedisLink(io, std::move(url), std::move(options)));
}

namespace {

// The UTF-16 code units of UTF-8 text, as JavaScript sees a string (bytes that are not UTF-8
// count as U+FFFD, as Buffer#toString decodes them).
template <class Fn>
void for_each_utf16_unit(std::string_view text, Fn&& fn) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    std::uint32_t code = 0xFFFD;
    if (length == 1) {
      code = lead;
    } else if (length > 1 && i + length <= text.size()) {
      code = lead & (0x7F >> length);
      for (std::size_t k = 1; k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xC0) != 0x80) {
          code = 0xFFFD;
          length = k;
          break;
        }
        code = (code << 6) | (next & 0x3F);
      }
    } else {
      length = 1;
    }
    i += length;
    if (code > 0xFFFF) {
      code -= 0x10000;
      fn(0xD800 + (code >> 10));
      fn(0xDC00 + (code & 0x3FF));
    } else {
      fn(code);
    }
  }
}

}  // namespace

std::string stream_of_namespace(std::string_view nsp, const std::string& stream,
                                std::size_t stream_count) {
  if (stream_count <= 1) return stream;
  // hash = hash * 31 + unit, kept to 32 signed bits (`hash |= 0`): unsigned wrap-around, then
  // read as signed.
  std::uint32_t hash = 0;
  for_each_utf16_unit(nsp, [&](std::uint32_t unit) { hash = hash * 31 + unit; });
  const auto index =
      static_cast<std::int64_t>(static_cast<std::int32_t>(hash)) %
      static_cast<std::int64_t>(stream_count);  // truncates toward zero, as JavaScript's %
  return stream + "-" + std::to_string(index);
}

RedisLink::RedisLink(net::asio::io_context& io, RedisUrl url, RedisAdapterOptions options)
    : io_(io), options_(std::move(options)), url_(url) {
  RedisClientOptions pub_options;
  pub_options.name = "redis pub";
  RedisClientOptions sub_options;
  sub_options.name = "redis sub";
  pub_ = RedisClient::create(io_, url, pub_options);
  sub_ = RedisClient::create(io_, url, sub_options);
  if (options_.kind != RedisAdapterKind::streams) return;
  // As the reference: one reading connection per stream, every stream read from the start.
  if (options_.stream_count <= 1) {
    read_stream(options_.stream.stream);
    return;
  }
  for (std::size_t i = 0; i < options_.stream_count; ++i)
    read_stream(options_.stream.stream + "-" + std::to_string(i));
}

void RedisLink::read_stream(const std::string& stream) {
  if (readers_.contains(stream)) return;
  auto reader_options = options_.stream;
  reader_options.stream = stream;
  auto reader = StreamReader::create(io_, url_, reader_options);
  readers_.emplace(stream, reader);
  if (started_)
    reader->start([this](std::string_view id, const stream_codec::Fields& fields) {
      on_stream_entry(id, fields);
    });
}

void RedisLink::on_stream_entry(std::string_view id, const stream_codec::Fields& fields) {
  auto handlers = stream_handlers_;  // a handler may add or remove handlers
  for (auto& [handler_id, handler] : handlers)
    handler(id, fields);
}

std::string RedisLink::stream_for(std::string_view nsp) {
  auto stream = stream_of_namespace(nsp, options_.stream.stream, options_.stream_count);
  read_stream(stream);
  return stream;
}

RedisLink::~RedisLink() {
  stop();
}

void RedisLink::start() {
  // The handlers outlive nothing: the link is owned by the adapters and the application.
  sub_->on_message([this](std::string_view channel, std::string_view payload) {
    auto handlers = handlers_;  // a handler may add or remove handlers
    for (auto& [id, handler] : handlers)
      handler(channel, payload);
  });
  pub_->on_connection_change([this](bool up) {
    if (up) warned_down_ = false;
  });
  pub_->start();
  sub_->start();
  started_ = true;
  for (auto& [stream, reader] : readers_)
    reader->start([this](std::string_view id, const stream_codec::Fields& fields) {
      on_stream_entry(id, fields);
    });
}

void RedisLink::stop() {
  pub_->stop();
  sub_->stop();
  for (auto& [stream, reader] : readers_)
    reader->stop();
}

socketio::AdapterFactory RedisLink::adapter_factory() {
  return
      [self = shared_from_this()](socketio::Namespace& nsp) -> std::unique_ptr<socketio::Adapter> {
        if (self->options_.kind == RedisAdapterKind::streams)
          return std::make_unique<RedisStreamsAdapter>(nsp, self);
        if (self->options_.sharded) return std::make_unique<ShardedRedisAdapter>(nsp, self);
        return std::make_unique<RedisAdapter>(nsp, self);
      };
}

std::size_t RedisLink::add_handler(Handler handler) {
  auto id = next_handler_++;
  handlers_.emplace_back(id, std::move(handler));
  return id;
}

void RedisLink::remove_handler(std::size_t id) {
  std::erase_if(handlers_, [id](const auto& entry) { return entry.first == id; });
}

std::size_t RedisLink::add_stream_handler(StreamReader::Handler handler) {
  auto id = next_handler_++;
  stream_handlers_.emplace_back(id, std::move(handler));
  return id;
}

void RedisLink::remove_stream_handler(std::size_t id) {
  std::erase_if(stream_handlers_, [id](const auto& entry) { return entry.first == id; });
}

void RedisLink::warn_down() {
  if (!std::exchange(warned_down_, true))
    spdlog::warn("redis unreachable: messages to the other nodes are dropped until it is back");
}

void RedisLink::append_to_stream(const std::string& stream, const stream_codec::Fields& fields,
                                 AppendCallback done) {
  if (!pub_->connected()) {
    warn_down();
    // Still in order with the appends before it, which fail the same way.
    if (done) net::asio::post(io_, [done = std::move(done)] { done(std::nullopt); });
    return;
  }
  std::vector<std::string> args{
      "XADD", stream, "MAXLEN", "~", std::to_string(options_.stream_max_len), "*"};
  args.reserve(args.size() + 2 * fields.size());
  for (const auto& [name, value] : fields) {
    args.push_back(name);
    args.push_back(value);
  }
  pub_->command(std::move(args),
                [done = std::move(done)](const RedisReply* reply, std::string_view) {
                  if (reply && reply->type == RedisReply::Type::error)
                    spdlog::warn("redis: XADD failed: {}", reply->str);
                  if (!done) return;
                  if (reply && reply->type == RedisReply::Type::string) return done(reply->str);
                  done(std::nullopt);
                });
}

void RedisLink::publish(std::string channel, std::string payload) {
  if (!pub_->connected()) return warn_down();
  pub_->command(
      {options_.sharded ? "SPUBLISH" : "PUBLISH", std::move(channel), std::move(payload)});
}

void RedisLink::count_subscribers(std::string channel,
                                  std::function<void(std::optional<std::size_t>)> done) {
  pub_->command(
      {"PUBSUB", options_.sharded ? "SHARDNUMSUB" : "NUMSUB", std::move(channel)},
      [done = std::move(done)](const RedisReply* reply, std::string_view) {
        // [channel, count]
        if (!reply || reply->type != RedisReply::Type::array || reply->elements.size() != 2 ||
            reply->elements[1].type != RedisReply::Type::integer || reply->elements[1].integer < 0)
          return done(std::nullopt);
        done(static_cast<std::size_t>(reply->elements[1].integer));
      });
}

}  // namespace soket::cluster
