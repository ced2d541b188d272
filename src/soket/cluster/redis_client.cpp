#include "soket/cluster/redis_client.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "soket/util/log.hpp"

namespace soket::cluster {
namespace {

constexpr std::size_t kReadBufferSize = 64 * 1024;
constexpr std::size_t kMaxBuffersPerWrite = 64;

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool is_confirmation(std::string_view kind) {
  static constexpr std::array<std::string_view, 6> kKinds = {
      "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe"};
  return std::find(kKinds.begin(), kKinds.end(), kind) != kKinds.end();
}

}  // namespace

std::shared_ptr<RedisClient> RedisClient::create(net::asio::io_context& io, RedisUrl url,
                                                 RedisClientOptions options) {
  return std::shared_ptr<RedisClient>(new RedisClient(io, std::move(url), std::move(options)));
}

RedisClient::RedisClient(net::asio::io_context& io, RedisUrl url, RedisClientOptions options)
    : io_(io),
      url_(std::move(url)),
      options_(std::move(options)),
      resolver_(io),
      socket_(io),
      timer_(io),
      backoff_(options_.reconnect_min),
      jitter_(std::random_device{}()),
      read_buffer_(kReadBufferSize) {
  label_ = options_.name.empty() ? "redis" : "redis " + options_.name;
  label_ += " (" + url_.to_string_redacted() + ")";
}

RedisClient::~RedisClient() = default;

bool RedisClient::connected() const {
  return state_ == State::ready;
}

void RedisClient::on_message(MessageHandler handler) {
  on_message_ = std::move(handler);
}

void RedisClient::on_connection_change(std::function<void(bool)> handler) {
  on_connection_change_ = std::move(handler);
}

void RedisClient::start() {
  if (state_ != State::idle) return;
  connect();
}

void RedisClient::stop() {
  if (state_ == State::stopped) return;
  state_ = State::stopped;
  ++generation_;
  net::error_code ignored;
  socket_.close(ignored);
  resolver_.cancel();
  timer_.cancel();
  write_queue_.clear();
  writing_ = 0;
  reader_.reset();
  std::deque<Pending> pending;
  pending.swap(pending_);
  for (Pending& p : pending)
    if (!p.internal) post_failure(std::move(p.done), "redis client stopped");
  // The handlers may hold whoever owns this client: let go of them.
  on_message_ = nullptr;
  on_connection_change_ = nullptr;
}

void RedisClient::post_failure(ReplyHandler done, std::string error) {
  if (!done) return;
  net::asio::post(io_,
                  [done = std::move(done), error = std::move(error)] { done(nullptr, error); });
}

// --- connection -------------------------------------------------------------------------------

void RedisClient::connect() {
  state_ = State::resolving;
  const uint64_t generation = ++generation_;
  auto self = shared_from_this();
  // One deadline for resolving, connecting and the handshake: a server that accepts and then
  // says nothing must not leave the client hanging.
  timer_.expires_after(options_.connect_timeout);
  timer_.async_wait([self, generation](net::error_code ec) {
    if (ec || generation != self->generation_) return;
    if (self->state_ == State::resolving || self->state_ == State::connecting ||
        self->state_ == State::handshaking)
      self->drop("timed out");
  });
  resolver_.async_resolve(
      url_.host, std::to_string(url_.port),
      [self, generation](net::error_code ec, net::tcp::resolver::results_type results) {
        if (generation != self->generation_) return;
        if (ec) return self->drop("cannot resolve host: " + ec.message());
        self->state_ = State::connecting;
        net::asio::async_connect(self->socket_, results,
                                 [self, generation](net::error_code ec, const net::tcp::endpoint&) {
                                   if (generation != self->generation_) return;
                                   if (ec) return self->drop(ec.message());
                                   self->on_connected();
                                 });
      });
}

// The handshake: AUTH and SELECT when the URL asks for them, the subscriptions renewed, then a
// PING whose answer (after all the others, replies come in order) makes the connection ready.
void RedisClient::on_connected() {
  state_ = State::handshaking;
  subscriber_ = false;
  reader_ = std::make_unique<RespReader>();
  net::error_code ignored;
  socket_.set_option(net::tcp::no_delay(true), ignored);
  socket_.set_option(net::asio::socket_base::keep_alive(true), ignored);
  read_next();

  auto check = [this](std::string what) {
    return [this, what = std::move(what)](const RedisReply* reply, std::string_view) {
      if (reply && reply->type == RedisReply::Type::error) {
        spdlog::error("{}: {} failed: {}", label_, what, reply->str);
        drop(what + " failed");
      }
    };
  };
  if (!url_.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!url_.username.empty()) auth.push_back(url_.username);
    auth.push_back(url_.password);
    send(auth, Pending{check("AUTH"), {}, 0, true});
  }
  if (url_.db != 0) {
    std::string db = std::to_string(url_.db);
    send({"SELECT", db}, Pending{check("SELECT " + db), {}, 0, true});
  }
  if (!channels_.empty()) send_subscription("subscribe", {channels_.begin(), channels_.end()});
  if (!patterns_.empty()) send_subscription("psubscribe", {patterns_.begin(), patterns_.end()});
  // One command per shard channel: in a cluster they may live in different slots.
  for (const std::string& channel : shard_channels_)
    send_subscription("ssubscribe", {channel});
  send({"PING"}, Pending{[this](const RedisReply* reply, std::string_view) {
                           if (!reply) return;
                           if (reply->type == RedisReply::Type::error) {
                             spdlog::error("{}: PING failed: {}", label_, reply->str);
                             return drop("PING failed");
                           }
                           on_ready();
                         },
                         {},
                         0,
                         true});
}

void RedisClient::on_ready() {
  timer_.cancel();
  state_ = State::ready;
  backoff_ = options_.reconnect_min;
  failing_quietly_ = false;
  spdlog::info("{}: {}", label_, was_ready_ ? "reconnected" : "connected");
  was_ready_ = true;
  if (on_connection_change_) on_connection_change_(true);
}

// Ends the current attempt or connection, fails what waited on it and schedules the next attempt.
void RedisClient::drop(std::string_view reason) {
  if (state_ == State::stopped || state_ == State::waiting) return;
  const bool was_ready = state_ == State::ready;
  if (was_ready)
    spdlog::warn("{}: connection lost ({}), reconnecting", label_, reason);
  else if (!failing_quietly_)
    spdlog::warn("{}: cannot connect ({}), retrying", label_, reason);
  else
    spdlog::debug("{}: cannot connect ({}), retrying", label_, reason);
  // A connection that never became ready counts as a failed attempt: it backs off too.
  if (!was_ready) failing_quietly_ = true;

  ++generation_;
  net::error_code ignored;
  socket_.close(ignored);
  resolver_.cancel();
  write_queue_.clear();
  writing_ = 0;
  reader_.reset();
  schedule_reconnect();

  std::deque<Pending> pending;
  pending.swap(pending_);
  for (Pending& p : pending)
    if (!p.internal && p.done) p.done(nullptr, "redis connection lost");
  if (was_ready && state_ != State::stopped && on_connection_change_) on_connection_change_(false);
}

void RedisClient::schedule_reconnect() {
  state_ = State::waiting;
  // "Equal jitter": half the backoff, plus up to the other half at random.
  auto half = std::max<std::chrono::milliseconds::rep>(backoff_.count() / 2, 1);
  std::uniform_int_distribution<std::chrono::milliseconds::rep> extra(0, half);
  std::chrono::milliseconds delay(half + extra(jitter_));
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  timer_.expires_after(delay);
  timer_.async_wait([self = shared_from_this(), generation = generation_](net::error_code ec) {
    if (ec || generation != self->generation_ || self->state_ != State::waiting) return;
    self->connect();
  });
}

// --- commands ---------------------------------------------------------------------------------

void RedisClient::command(std::vector<std::string> args, ReplyHandler done) {
  if (state_ == State::stopped) return post_failure(std::move(done), "redis client stopped");
  if (state_ != State::ready) return post_failure(std::move(done), "not connected to redis");
  if (args.empty()) return post_failure(std::move(done), "empty redis command");
  if (pending_.size() >= options_.max_pending)
    return post_failure(std::move(done), "too many pending redis commands");
  std::vector<std::string_view> views(args.begin(), args.end());
  send(views, Pending{std::move(done), {}, 0, false});
}

void RedisClient::send(const std::vector<std::string_view>& args, Pending pending) {
  write_queue_.push_back(format_command(args));
  pending_.push_back(std::move(pending));
  write_next();
}

// Writes everything queued (up to a batch) with one gathered write. The batch moves out of the
// queue into the completion handler, so a drop can clear the queue while the write is in flight.
void RedisClient::write_next() {
  if (writing_ || write_queue_.empty()) return;
  auto batch = std::make_shared<std::vector<std::string>>();
  while (!write_queue_.empty() && batch->size() < kMaxBuffersPerWrite) {
    batch->push_back(std::move(write_queue_.front()));
    write_queue_.pop_front();
  }
  std::vector<net::asio::const_buffer> buffers;
  buffers.reserve(batch->size());
  for (const std::string& s : *batch)
    buffers.push_back(net::asio::buffer(s));
  writing_ = batch->size();
  net::asio::async_write(socket_, buffers,
                         [self = shared_from_this(), generation = generation_, batch](
                             net::error_code ec, std::size_t) {
                           if (generation != self->generation_) return;
                           self->writing_ = 0;
                           if (ec) return self->drop("write failed: " + ec.message());
                           self->write_next();
                         });
}

// --- subscriptions ----------------------------------------------------------------------------

void RedisClient::send_subscription(std::string_view kind,
                                    const std::vector<std::string>& targets) {
  std::string command = to_upper(kind);
  std::vector<std::string_view> args = {command};
  args.insert(args.end(), targets.begin(), targets.end());
  subscriber_ = true;
  send(args, Pending{{}, std::string(kind), targets.size(), true});
}

void RedisClient::subscribe(std::string channel) {
  if (!channels_.insert(channel).second) return;
  if (state_ == State::handshaking || state_ == State::ready)
    send_subscription("subscribe", {std::move(channel)});
}

void RedisClient::psubscribe(std::string pattern) {
  if (!patterns_.insert(pattern).second) return;
  if (state_ == State::handshaking || state_ == State::ready)
    send_subscription("psubscribe", {std::move(pattern)});
}

void RedisClient::ssubscribe(std::string channel) {
  if (!shard_channels_.insert(channel).second) return;
  if (state_ == State::handshaking || state_ == State::ready)
    send_subscription("ssubscribe", {std::move(channel)});
}

void RedisClient::unsubscribe(const std::string& channel) {
  if (channels_.erase(channel) == 0) return;
  if (state_ == State::handshaking || state_ == State::ready)
    send_subscription("unsubscribe", {channel});
}

void RedisClient::punsubscribe(const std::string& pattern) {
  if (patterns_.erase(pattern) == 0) return;
  if (state_ == State::handshaking || state_ == State::ready)
    send_subscription("punsubscribe", {pattern});
}

void RedisClient::sunsubscribe(const std::string& channel) {
  if (shard_channels_.erase(channel) == 0) return;
  if (state_ == State::handshaking || state_ == State::ready)
    send_subscription("sunsubscribe", {channel});
}

// --- replies ----------------------------------------------------------------------------------

void RedisClient::read_next() {
  socket_.async_read_some(
      net::asio::buffer(read_buffer_),
      [self = shared_from_this(), generation = generation_](net::error_code ec, std::size_t n) {
        if (generation != self->generation_) return;
        if (ec) {
          return self->drop(ec == net::asio::error::eof ? "closed by the server" : ec.message());
        }
        try {
          self->reader_->feed(std::string_view(self->read_buffer_.data(), n));
        } catch (const std::exception& e) {
          return self->drop(e.what());
        }
        while (generation == self->generation_) {
          std::optional<RedisReply> reply;
          try {
            reply = self->reader_->next();
          } catch (const std::exception& e) {
            return self->drop(e.what());
          }
          if (!reply) break;
          self->handle(std::move(*reply));
        }
        if (generation == self->generation_) self->read_next();
      });
}

// Pub/sub pushes (a connection that subscribed gets nothing else unasked): messages go to the
// handler, confirmations count down their subscription command.
bool RedisClient::handle_push(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::array || reply.elements.empty()) return false;
  const auto& e = reply.elements;
  if (e[0].type != RedisReply::Type::string) return false;
  const std::string& kind = e[0].str;
  auto is_string = [&](std::size_t i) { return e[i].type == RedisReply::Type::string; };
  if ((kind == "message" || kind == "smessage") && e.size() == 3 && is_string(1) && is_string(2)) {
    if (on_message_) on_message_(e[1].str, e[2].str);
    return true;
  }
  if (kind == "pmessage" && e.size() == 4 && is_string(2) && is_string(3)) {
    if (on_message_) on_message_(e[2].str, e[3].str);
    return true;
  }
  if (!is_confirmation(kind)) return false;
  if (!pending_.empty() && pending_.front().kind == kind) {
    if (--pending_.front().confirmations == 0) pending_.pop_front();
  } else {
    // Unasked: Redis Cluster drops shard subscriptions when a slot moves, for instance.
    spdlog::info("{}: unexpected {} from the server", label_, kind);
  }
  return true;
}

void RedisClient::handle(RedisReply reply) {
  if (subscriber_ && handle_push(reply)) return;
  if (pending_.empty()) return drop("a reply nobody asked for");
  if (!pending_.front().kind.empty()) {
    // The only other answer to a subscription command is an error (no confirmations follow).
    if (reply.type != RedisReply::Type::error)
      return drop("unexpected reply to " + to_upper(pending_.front().kind));
    spdlog::warn("{}: {} failed: {}", label_, to_upper(pending_.front().kind), reply.str);
    pending_.pop_front();
    return;
  }
  Pending done = std::move(pending_.front());
  pending_.pop_front();
  if (done.done) done.done(&reply, {});
}

}  // namespace soket::cluster
