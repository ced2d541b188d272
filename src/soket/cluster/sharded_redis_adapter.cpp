#include "soket/cluster/sharded_redis_adapter.hpp"

#include <boost/json/serialize.hpp>

#include "soket/cluster/payload.hpp"
#include "soket/socketio/namespace.hpp"

namespace soket::cluster {

using socketio::ClusterMessage;
using socketio::ClusterMessageType;

namespace {

// The reference's guess: socket ids are 20 characters long, and their rooms get no channel.
bool looks_like_socket_id(std::string_view room) {
  return room.size() == 20;
}

bool may_carry_binary(ClusterMessageType type) {
  switch (type) {
    case ClusterMessageType::broadcast:
    case ClusterMessageType::broadcast_ack:
    case ClusterMessageType::fetch_sockets_response:
    case ClusterMessageType::server_side_emit:
    case ClusterMessageType::server_side_emit_response:
      return true;
    default:
      return false;
  }
}

}  // namespace

ShardedRedisAdapter::ShardedRedisAdapter(socketio::Namespace& nsp, std::shared_ptr<RedisLink> link)
    : ClusterAdapter(nsp, {link->options().requests_timeout}), link_(std::move(link)) {
  channel_ = link_->options().key + "#" + nsp.name() + "#";
  response_channel_ = channel_ + uid() + "#";
  handler_id_ = link_->add_handler([this](std::string_view channel, std::string_view payload) {
    on_redis_message(channel, payload);
  });
  link_->subscriber().ssubscribe(channel_);
  link_->subscriber().ssubscribe(response_channel_);
}

ShardedRedisAdapter::~ShardedRedisAdapter() {
  link_->remove_handler(handler_id_);
  auto& sub = link_->subscriber();
  sub.sunsubscribe(channel_);
  sub.sunsubscribe(response_channel_);
  for (const auto& room : joined_rooms())
    if (uses_room_channel(room)) sub.sunsubscribe(room_channel(room));
}

void ShardedRedisAdapter::server_count(std::function<void(std::optional<std::size_t>)> done) {
  link_->count_subscribers(channel_, std::move(done));
}

bool ShardedRedisAdapter::uses_room_channel(const socketio::Room& room) const {
  return link_->options().subscription_mode == SubscriptionMode::dynamic &&
         !looks_like_socket_id(room);
}

void ShardedRedisAdapter::on_room_created(const socketio::Room& room) {
  if (uses_room_channel(room)) link_->subscriber().ssubscribe(room_channel(room));
}

void ShardedRedisAdapter::on_room_deleted(const socketio::Room& room) {
  if (uses_room_channel(room)) link_->subscriber().sunsubscribe(room_channel(room));
}

std::string ShardedRedisAdapter::encode(const ClusterMessage& message) const {
  boost::json::object body{{"uid", message.uid},
                           {"nsp", message.nsp},
                           {"type", static_cast<int>(message.type)},
                           {"data", message.data}};
  if (may_carry_binary(message.type)) return encode_payload(body, message.attachments);
  return boost::json::serialize(body);
}

void ShardedRedisAdapter::do_publish(const ClusterMessage& message) {
  auto channel = channel_;
  // A broadcast with an ack goes to every node: the number of answers to wait for is counted on
  // the namespace channel.
  if (message.type == ClusterMessageType::broadcast && !message.data.contains("requestId")) {
    const auto& rooms = message.data.at("opts").as_object().at("rooms").as_array();
    if (rooms.size() == 1 && rooms.front().is_string()) {
      std::string room(rooms.front().get_string());
      if (uses_room_channel(room)) channel = room_channel(room);
    }
  }
  link_->publish(std::move(channel), encode(message));
}

void ShardedRedisAdapter::do_publish_response(const std::string& requester,
                                              const ClusterMessage& response) {
  link_->publish(channel_ + requester + "#", encode(response));
}

void ShardedRedisAdapter::on_redis_message(std::string_view channel, std::string_view payload) {
  if (!channel.starts_with(channel_)) return;
  // The namespace channel, a room channel of it, or this node's response channel: only subscribed
  // channels reach us.
  bool is_response = channel == response_channel_;
  auto document = parse_payload(channel, payload);
  if (!document) return;
  auto* body = document->value.if_object();
  if (!body) return;
  const auto* type = body->if_contains("type");
  const auto* uid = body->if_contains("uid");
  const auto* nsp = body->if_contains("nsp");
  const auto* data = body->if_contains("data");
  if (!type || !type->is_number() || !uid || !uid->is_string()) return;
  boost::system::error_code ec;
  auto type_number = type->to_number<int>(ec);
  if (ec) return;
  ClusterMessage message;
  message.type = static_cast<ClusterMessageType>(type_number);
  message.uid = uid->get_string();
  message.nsp = nsp && nsp->is_string() ? std::string(nsp->get_string()) : nsp_.name();
  if (data && data->is_object()) message.data = data->get_object();
  message.attachments = std::move(document->attachments);
  if (is_response)
    on_response(message);
  else
    on_message(message);
}

}  // namespace soket::cluster
