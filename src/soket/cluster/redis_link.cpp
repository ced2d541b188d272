#include "soket/cluster/redis_link.hpp"

#include <spdlog/spdlog.h>

#include "soket/cluster/redis_adapter.hpp"
#include "soket/cluster/redis_streams_adapter.hpp"
#include "soket/cluster/sharded_redis_adapter.hpp"

namespace soket::cluster {

std::shared_ptr<RedisLink> RedisLink::create(net::asio::io_context& io, RedisUrl url,
                                             RedisAdapterOptions options) {
  return std::shared_ptr<RedisLink>(new RedisLink(io, std::move(url), std::move(options)));
}

RedisLink::RedisLink(net::asio::io_context& io, RedisUrl url, RedisAdapterOptions options)
    : io_(io), options_(std::move(options)) {
  RedisClientOptions pub_options;
  pub_options.name = "redis pub";
  RedisClientOptions sub_options;
  sub_options.name = "redis sub";
  pub_ = RedisClient::create(io_, url, pub_options);
  sub_ = RedisClient::create(io_, url, sub_options);
  if (options_.kind == RedisAdapterKind::streams)
    reader_ = StreamReader::create(io_, url, options_.stream);
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
  if (reader_)
    reader_->start([this](std::string_view id, const stream_codec::Fields& fields) {
      auto handlers = stream_handlers_;  // a handler may add or remove handlers
      for (auto& [handler_id, handler] : handlers)
        handler(id, fields);
    });
}

void RedisLink::stop() {
  pub_->stop();
  sub_->stop();
  if (reader_) reader_->stop();
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

void RedisLink::append_to_stream(const stream_codec::Fields& fields) {
  if (!pub_->connected()) return warn_down();
  std::vector<std::string> args{
      "XADD", options_.stream.stream, "MAXLEN", "~", std::to_string(options_.stream_max_len), "*"};
  args.reserve(args.size() + 2 * fields.size());
  for (const auto& [name, value] : fields) {
    args.push_back(name);
    args.push_back(value);
  }
  pub_->command(std::move(args), [](const RedisReply* reply, std::string_view) {
    if (reply && reply->type == RedisReply::Type::error)
      spdlog::warn("redis: XADD failed: {}", reply->str);
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
