#include "soket/hub/hub_cluster.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "soket/store/types.hpp"
#include "soket/util/log.hpp"

namespace soket::hub {
namespace {

using Clock = std::chrono::steady_clock;

// Renews the lease only while this node still holds it (a plain PEXPIRE could extend the lease of
// a node that took over after ours expired).
constexpr const char* renew_script =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
constexpr const char* release_script =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end";

std::string millis(std::chrono::milliseconds ms) {
  return std::to_string(ms.count());
}

}  // namespace

std::shared_ptr<HubCluster> HubCluster::create(net::asio::io_context& io, cluster::RedisUrl url,
                                               HubClusterOptions options, Handlers handlers) {
  return std::shared_ptr<HubCluster>(
      new HubCluster(io, std::move(url), std::move(options), std::move(handlers)));
}

HubCluster::HubCluster(net::asio::io_context& io, cluster::RedisUrl url, HubClusterOptions options,
                       Handlers handlers)
    : io_(io),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      commands_(cluster::RedisClient::create(io, url, {.name = "hub"})),
      subscriber_(cluster::RedisClient::create(io, url, {.name = "hub-sub"})),
      timer_(io),
      channel_(options_.prefix),
      node_key_(options_.prefix + ":node:" + options_.node),
      leader_key_(options_.prefix + ":leader") {}

HubCluster::~HubCluster() {
  commands_->stop();
  subscriber_->stop();
}

void HubCluster::start() {
  std::weak_ptr<HubCluster> weak = weak_from_this();
  subscriber_->on_message([weak](std::string_view, std::string_view payload) {
    if (auto self = weak.lock()) self->on_channel_message(payload);
  });
  subscriber_->subscribe(channel_);
  // The heartbeat goes first on every new link: Redis answers in order, so no other node can hear
  // of this node's devices (and check its heartbeat) before its key exists. A heartbeat sent before
  // the link was up was dropped.
  commands_->on_connection_change([weak](bool connected) {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    self->commands_up_ = connected;
    if (!connected) return;
    self->tick();
    self->link_changed();
  });
  // The link is up once both connections are: what this node then asks of the others (and
  // tells them) can be answered, and what they send reaches it.
  subscriber_->on_connection_change([weak](bool connected) {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    self->subscribed_ = connected;
    self->link_changed();
  });
  commands_->start();
  subscriber_->start();
  schedule_tick();
}

void HubCluster::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  subscriber_->stop();
  // Leaving on purpose: the heartbeat goes now (the leader marks this node's devices offline at
  // its next tick rather than after the TTL) and so does the lease (another node leads now). The
  // connection closes once Redis answered, if the process lives that long.
  if (leader_) {
    leader_ = false;
    commands_->command({"EVAL", release_script, "1", leader_key_, options_.node});
  }
  auto commands = commands_;
  commands_->command({"DEL", node_key_}, [commands](const cluster::RedisReply*, std::string_view) {
    commands->stop();
  });
}

void HubCluster::link_changed() {
  bool up = commands_up_ && subscribed_;
  if (up == link_up_) return;
  link_up_ = up;
  if (up && handlers_.on_link_up) handlers_.on_link_up();
}

bool HubCluster::leader() const {
  return leader_ && Clock::now() < lease_until_;
}

void HubCluster::publish(boost::json::object message) {
  if (stopped_) return;
  message["from"] = options_.node;
  commands_->command({"PUBLISH", channel_, boost::json::serialize(message)});
}

void HubCluster::on_channel_message(std::string_view payload) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(payload, ec);
  if (ec || !value.is_object()) {
    spdlog::warn("hub cluster: a message on {} that is not a JSON object, dropped", channel_);
    return;
  }
  const auto& message = value.as_object();
  const auto* from = message.if_contains("from");
  const auto* type = message.if_contains("t");
  if (!from || !from->is_string() || !type || !type->is_string()) {
    spdlog::warn("hub cluster: a message on {} without 'from' or 't', dropped", channel_);
    return;
  }
  if (from->as_string() == options_.node) return;
  if (handlers_.on_message) handlers_.on_message(message);
}

void HubCluster::schedule_tick() {
  tick();
  timer_.expires_after(options_.tick);
  timer_.async_wait([weak = weak_from_this()](net::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) return;
    self->schedule_tick();
  });
}

void HubCluster::set_leader(bool leader) {
  // The first decision is reported too (false included): the hub waits for it to read the clock.
  if (decided_ && leader == leader_) return;
  decided_ = true;
  leader_ = leader;
  spdlog::info("hub cluster: node {} {} the leader", options_.node,
               leader ? "is now" : "is no longer");
  if (handlers_.on_leadership) handlers_.on_leadership(leader);
}

void HubCluster::tick() {
  if (stopped_) return;
  auto weak = weak_from_this();
  commands_->command(
      {"SET", node_key_, std::to_string(store::now_ms()), "PX", millis(options_.node_ttl)});

  // The lease ends locally when it was last granted + its TTL: Redis expires it no earlier.
  if (leader_ && Clock::now() >= lease_until_) set_leader(false);
  auto asked = Clock::now();
  auto granted = [weak, asked](const cluster::RedisReply* reply, bool ok) {
    auto self = weak.lock();
    if (!self || self->stopped_ || !reply) return;
    if (ok) {
      self->lease_until_ = asked + self->options_.lease_ttl;
      self->set_leader(true);
    } else {
      self->set_leader(false);
    }
  };
  if (leader_) {
    commands_->command(
        {"EVAL", renew_script, "1", leader_key_, options_.node, millis(options_.lease_ttl)},
        [granted](const cluster::RedisReply* reply, std::string_view) {
          granted(reply, reply && reply->type == cluster::RedisReply::Type::integer &&
                             reply->integer == 1);
        });
  } else {
    commands_->command({"SET", leader_key_, options_.node, "NX", "PX", millis(options_.lease_ttl)},
                       [granted](const cluster::RedisReply* reply, std::string_view) {
                         granted(reply, reply && reply->type == cluster::RedisReply::Type::status &&
                                            reply->str == "OK");
                       });
  }

  if (!leader() || !handlers_.nodes_to_check) return;
  for (const auto& node : handlers_.nodes_to_check()) {
    if (node == options_.node) continue;
    commands_->command({"EXISTS", options_.prefix + ":node:" + node},
                       [weak, node](const cluster::RedisReply* reply, std::string_view) {
                         auto self = weak.lock();
                         if (!self || self->stopped_ || !reply || !self->leader()) return;
                         if (reply->type == cluster::RedisReply::Type::integer &&
                             reply->integer == 0 && self->handlers_.on_node_dead)
                           self->handlers_.on_node_dead(node);
                       });
  }
}

}  // namespace soket::hub
