#include "soket/cluster/redis_streams_adapter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "soket/socketio/namespace.hpp"

namespace soket::cluster {

using socketio::ClusterMessage;
using socketio::ClusterMessageType;

namespace {

// What the reference sends on pub/sub rather than on the stream: messages that need a live
// answer, and that a node restoring a session must not replay.
bool is_ephemeral(const ClusterMessage& message) {
  switch (message.type) {
    case ClusterMessageType::broadcast:
      return message.data.contains("requestId");
    case ClusterMessageType::server_side_emit:
    case ClusterMessageType::fetch_sockets:
      return true;
    default:
      return false;
  }
}

}  // namespace

RedisStreamsAdapter::RedisStreamsAdapter(socketio::Namespace& nsp, std::shared_ptr<RedisLink> link)
    : ClusterAdapter(nsp, {link->options().requests_timeout}), link_(std::move(link)) {
  channel_ = link_->options().key + "#" + nsp.name() + "#";
  response_channel_ = channel_ + uid() + "#";
  handler_id_ = link_->add_handler([this](std::string_view channel, std::string_view payload) {
    on_redis_message(channel, payload);
  });
  stream_handler_id_ =
      link_->add_stream_handler([this](std::string_view id, const stream_codec::Fields& fields) {
        on_stream_entry(id, fields);
      });
  subscribe(channel_);
  subscribe(response_channel_);
}

RedisStreamsAdapter::~RedisStreamsAdapter() {
  link_->remove_handler(handler_id_);
  link_->remove_stream_handler(stream_handler_id_);
  unsubscribe(channel_);
  unsubscribe(response_channel_);
}

void RedisStreamsAdapter::subscribe(const std::string& channel) {
  if (link_->options().sharded)
    link_->subscriber().ssubscribe(channel);
  else
    link_->subscriber().subscribe(channel);
}

void RedisStreamsAdapter::unsubscribe(const std::string& channel) {
  if (link_->options().sharded)
    link_->subscriber().sunsubscribe(channel);
  else
    link_->subscriber().unsubscribe(channel);
}

void RedisStreamsAdapter::server_count(std::function<void(std::optional<std::size_t>)> done) {
  link_->count_subscribers(channel_, std::move(done));
}

void RedisStreamsAdapter::do_publish(const ClusterMessage& message) {
  if (is_ephemeral(message)) return link_->publish(channel_, stream_codec::to_msgpack(message));
  link_->append_to_stream(stream_codec::to_fields(message));
}

void RedisStreamsAdapter::do_publish_response(const std::string& requester,
                                              const ClusterMessage& response) {
  link_->publish(channel_ + requester + "#", stream_codec::to_msgpack(response));
}

void RedisStreamsAdapter::on_stream_entry(std::string_view id, const stream_codec::Fields& fields) {
  // Every namespace's adapter sees every entry: only this namespace's are decoded (and warned
  // about), entries of namespaces this node lacks are skipped, as the reference does.
  auto nsp = std::find_if(fields.begin(), fields.end(),
                          [](const auto& field) { return field.first == "nsp"; });
  if (nsp == fields.end() || nsp->second != nsp_.name()) return;
  std::string error;
  auto message = stream_codec::from_fields(fields, error);
  if (!message) {
    if (!error.empty())
      spdlog::warn("redis stream {}: dropped entry {}: {}", link_->options().stream.stream, id,
                   error);
    return;
  }
  on_message(*message);
}

void RedisStreamsAdapter::on_redis_message(std::string_view channel, std::string_view payload) {
  const bool is_response = channel == response_channel_;
  if (!is_response && channel != channel_) return;
  std::string error;
  auto message = stream_codec::from_msgpack(payload, error);
  if (!message) {
    spdlog::warn("redis: dropped a malformed message on {}: {}", channel, error);
    return;
  }
  if (is_response)
    on_response(*message);
  else
    on_message(*message);
}

}  // namespace soket::cluster
