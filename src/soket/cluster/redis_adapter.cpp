#include "soket/cluster/redis_adapter.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include "soket/cluster/payload.hpp"
#include "soket/socketio/cluster_codec.hpp"
#include "soket/socketio/namespace.hpp"
#include "soket/socketio/socket.hpp"

namespace soket::cluster {

using socketio::ClusterMessage;
using socketio::ClusterMessageType;
namespace codec = socketio::cluster_codec;

namespace {

int as_int(RedisAdapter::RequestType type) {
  return static_cast<int>(type);
}

std::optional<int> int_field(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (!value || !value->is_number()) return std::nullopt;
  boost::system::error_code ec;
  auto n = value->to_number<int>(ec);
  if (ec) return std::nullopt;
  return n;
}

std::string string_field(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

// The classic protocol's opts carry only rooms and except, and flags for broadcasts.
boost::json::value opts_without_flags(const boost::json::value& opts) {
  if (!opts.is_object()) return opts;
  auto copy = opts.get_object();
  copy.erase("flags");
  return copy;
}

}  // namespace

RedisAdapter::RedisAdapter(socketio::Namespace& nsp, std::shared_ptr<RedisLink> link)
    : ClusterAdapter(nsp, {link->options().requests_timeout}), link_(std::move(link)) {
  const auto& key = link_->options().key;
  channel_ = key + "#" + nsp.name() + "#";
  request_channel_ = key + "-request#" + nsp.name() + "#";
  response_channel_ = key + "-response#" + nsp.name() + "#";
  specific_response_channel_ = response_channel_ + uid() + "#";
  handler_id_ = link_->add_handler([this](std::string_view channel, std::string_view payload) {
    on_redis_message(channel, payload);
  });
  auto& sub = link_->subscriber();
  sub.psubscribe(channel_ + "*");
  sub.subscribe(request_channel_);
  sub.subscribe(response_channel_);
  sub.subscribe(specific_response_channel_);
}

RedisAdapter::~RedisAdapter() {
  link_->remove_handler(handler_id_);
  auto& sub = link_->subscriber();
  sub.punsubscribe(channel_ + "*");
  sub.unsubscribe(request_channel_);
  sub.unsubscribe(response_channel_);
  sub.unsubscribe(specific_response_channel_);
}

void RedisAdapter::server_count(std::function<void(std::optional<std::size_t>)> done) {
  link_->count_subscribers(request_channel_, std::move(done));
}

void RedisAdapter::publish_json_or_msgpack(const std::string& channel,
                                           const boost::json::object& body,
                                           const std::vector<SharedBytes>& attachments) {
  link_->publish(channel, encode_payload(body, attachments));
}

void RedisAdapter::do_publish(const ClusterMessage& message) {
  const auto& data = message.data;
  boost::json::object request{{"uid", message.uid}};
  switch (message.type) {
    case ClusterMessageType::broadcast: {
      if (data.contains("requestId")) {
        request["requestId"] = data.at("requestId");
        request["type"] = as_int(RequestType::broadcast);
        request["packet"] = data.at("packet");
        request["opts"] = data.at("opts");
        // Always msgpack, as the reference sends it.
        return link_->publish(request_channel_, msgpack::encode(request, message.attachments));
      }
      auto channel = channel_;
      if (const auto& rooms = data.at("opts").as_object().at("rooms").as_array();
          rooms.size() == 1) {
        if (rooms.front().is_string()) {
          channel.append(rooms.front().get_string());
          channel += '#';
        }
      }
      boost::json::array body{message.uid, data.at("packet"), data.at("opts")};
      return link_->publish(std::move(channel), msgpack::encode(body, message.attachments));
    }
    case ClusterMessageType::sockets_join:
    case ClusterMessageType::sockets_leave:
      request["type"] =
          as_int(message.type == ClusterMessageType::sockets_join ? RequestType::remote_join
                                                                  : RequestType::remote_leave);
      request["opts"] = opts_without_flags(data.at("opts"));
      request["rooms"] = data.at("rooms");
      break;
    case ClusterMessageType::disconnect_sockets:
      request["type"] = as_int(RequestType::remote_disconnect);
      request["opts"] = opts_without_flags(data.at("opts"));
      request["close"] = data.at("close");
      break;
    case ClusterMessageType::fetch_sockets:
      request["requestId"] = data.at("requestId");
      request["type"] = as_int(RequestType::remote_fetch);
      request["opts"] = opts_without_flags(data.at("opts"));
      break;
    case ClusterMessageType::server_side_emit:
      if (data.contains("requestId")) request["requestId"] = data.at("requestId");
      request["type"] = as_int(RequestType::server_side_emit);
      request["data"] = data.at("packet");
      break;
    default:
      return;
  }
  publish_json_or_msgpack(request_channel_, request, message.attachments);
}

void RedisAdapter::do_publish_response(const std::string& requester,
                                       const ClusterMessage& response) {
  const auto& data = response.data;
  auto channel = link_->options().publish_on_specific_response_channel
                     ? response_channel_ + requester + "#"
                     : response_channel_;
  boost::json::object body{{"requestId", data.at("requestId")}};
  switch (response.type) {
    case ClusterMessageType::fetch_sockets_response:
      body["sockets"] = data.at("sockets");
      break;
    case ClusterMessageType::server_side_emit_response:
      body["type"] = as_int(RequestType::server_side_emit);
      body["data"] = data.at("packet");
      break;
    case ClusterMessageType::broadcast_client_count:
      body["type"] = as_int(RequestType::broadcast_client_count);
      body["clientCount"] = data.at("clientCount");
      break;
    case ClusterMessageType::broadcast_ack:
      body["type"] = as_int(RequestType::broadcast_ack);
      body["packet"] = data.at("packet");
      return link_->publish(std::move(channel), msgpack::encode(body, response.attachments));
    default:
      return;
  }
  publish_json_or_msgpack(channel, body, response.attachments);
}

void RedisAdapter::on_redis_message(std::string_view channel, std::string_view payload) {
  if (channel.starts_with(response_channel_)) return on_response_payload(payload);
  if (channel == request_channel_) return on_request(payload);
  if (channel.starts_with(channel_)) return on_broadcast(channel, payload);
}

void RedisAdapter::on_broadcast(std::string_view channel, std::string_view payload) {
  if (channel.size() <= channel_.size() || channel.back() != '#') {
    // <key>#<nsp># itself, or a channel of another namespace that shares this prefix pattern.
    if (channel != channel_) return;
  } else {
    auto room = channel.substr(channel_.size(), channel.size() - channel_.size() - 1);
    if (!has_room(std::string(room))) return;  // no local member: nothing to do, nothing to read
  }
  auto document = parse_payload(channel, payload);
  if (!document) return;
  auto* array = document->value.if_array();
  if (!array || array->size() < 2 || !(*array)[0].is_string()) {
    spdlog::warn("redis: dropped a broadcast on {} that is not [uid, packet, opts]", channel);
    return;
  }
  ClusterMessage message;
  message.type = ClusterMessageType::broadcast;
  message.uid = (*array)[0].get_string();
  message.nsp = nsp_.name();
  auto& packet = (*array)[1];
  if (auto* object = packet.if_object()) {
    // The reference leaves nsp out for the main namespace.
    if (!object->contains("nsp")) (*object)["nsp"] = "/";
    const auto* packet_nsp = object->if_contains("nsp");
    if (!packet_nsp->is_string() || packet_nsp->get_string() != nsp_.name()) return;
  }
  message.data["packet"] = std::move(packet);
  message.data["opts"] = array->size() > 2 ? std::move((*array)[2]) : boost::json::object();
  message.attachments = std::move(document->attachments);
  on_message(message);
}

void RedisAdapter::on_request(std::string_view payload) {
  auto document = parse_payload(request_channel_, payload);
  if (!document) return;
  auto* request = document->value.if_object();
  if (!request) return;
  auto type_number = int_field(*request, "type");
  if (!type_number) return;
  auto type = static_cast<RequestType>(*type_number);
  ClusterMessage message;
  message.uid = string_field(*request, "uid");
  message.nsp = nsp_.name();
  message.attachments = std::move(document->attachments);
  auto& data = message.data;
  if (auto* id = request->if_contains("requestId")) data["requestId"] = *id;
  auto* opts = request->if_contains("opts");
  switch (type) {
    case RequestType::remote_join:
    case RequestType::remote_leave:
      if (!opts) return on_legacy_request(type, *request);
      message.type = type == RequestType::remote_join ? ClusterMessageType::sockets_join
                                                      : ClusterMessageType::sockets_leave;
      data["opts"] = *opts;
      data["rooms"] = request->contains("rooms") ? (*request)["rooms"] : boost::json::array();
      break;
    case RequestType::remote_disconnect:
      if (!opts) return on_legacy_request(type, *request);
      message.type = ClusterMessageType::disconnect_sockets;
      data["opts"] = *opts;
      data["close"] = request->contains("close") ? (*request)["close"] : false;
      break;
    case RequestType::remote_fetch:
      if (!opts) return;
      message.type = ClusterMessageType::fetch_sockets;
      data["opts"] = *opts;
      break;
    case RequestType::server_side_emit:
      message.type = ClusterMessageType::server_side_emit;
      data["packet"] = request->contains("data") ? (*request)["data"] : boost::json::value();
      break;
    case RequestType::broadcast:
      message.type = ClusterMessageType::broadcast;
      if (!opts) return;
      data["packet"] = request->contains("packet") ? (*request)["packet"] : boost::json::value();
      data["opts"] = *opts;
      if (!data.contains("requestId")) return;  // a broadcast request always expects answers
      break;
    case RequestType::sockets:
    case RequestType::all_rooms:
      return on_legacy_request(type, *request);
    default:
      return;  // responses sent to the request channel, or a newer type: not for us
  }
  on_message(message);
}

void RedisAdapter::on_legacy_request(RequestType type, boost::json::object& request) {
  auto request_id = string_field(request, "requestId");
  if (string_field(request, "uid") == uid()) return;
  auto respond = [&](boost::json::object body) {
    if (request_id.empty()) return;
    body["requestId"] = request_id;
    auto channel = link_->options().publish_on_specific_response_channel
                       ? response_channel_ + string_field(request, "uid") + "#"
                       : response_channel_;
    link_->publish(std::move(channel), boost::json::serialize(body));
  };
  switch (type) {
    case RequestType::sockets: {
      socketio::BroadcastOptions options;
      if (auto* rooms = request.if_contains("rooms")) {
        if (auto strings = codec::strings_from_json(*rooms)) options.rooms = std::move(*strings);
      }
      return respond({{"sockets", codec::strings_to_json(sockets(options))}});
    }
    case RequestType::all_rooms: {
      auto rooms = joined_rooms();
      for (const auto& [id, socket] : nsp_.sockets())
        if (has_room(socket->id())) rooms.push_back(socket->id());
      return respond({{"rooms", codec::strings_to_json(rooms)}});
    }
    default: {
      // Join, leave or disconnect of one socket by id: answered only by the node that has it.
      auto socket = nsp_.find(string_field(request, "sid"));
      if (!socket) return;
      if (type == RequestType::remote_join) {
        socket->join(string_field(request, "room"));
      } else if (type == RequestType::remote_leave) {
        socket->leave(string_field(request, "room"));
      } else {
        const auto* close = request.if_contains("close");
        socket->disconnect(close && close->is_bool() && close->get_bool());
      }
      return respond({});
    }
  }
}

void RedisAdapter::on_response_payload(std::string_view payload) {
  auto document = parse_payload(response_channel_, payload);
  if (!document) return;
  auto* response = document->value.if_object();
  if (!response) return;
  auto request_id = string_field(*response, "requestId");
  if (request_id.empty()) return;
  auto pending = pending_request(request_id);
  if (!pending) return;  // another node's request, or one that has timed out
  ClusterMessage message;
  message.nsp = nsp_.name();
  message.attachments = std::move(document->attachments);
  message.data["requestId"] = request_id;
  auto type = int_field(*response, "type");
  if (type == as_int(RequestType::broadcast_client_count)) {
    message.type = ClusterMessageType::broadcast_client_count;
    message.data["clientCount"] = (*response)["clientCount"];
  } else if (type == as_int(RequestType::broadcast_ack)) {
    message.type = ClusterMessageType::broadcast_ack;
    message.data["packet"] = (*response)["packet"];
  } else if (*pending == ClusterMessageType::server_side_emit) {
    message.type = ClusterMessageType::server_side_emit_response;
    message.data["packet"] = (*response)["data"];
  } else if (*pending == ClusterMessageType::fetch_sockets) {
    message.type = ClusterMessageType::fetch_sockets_response;
    if (auto* sockets = response->if_contains("sockets")) message.data["sockets"] = *sockets;
  } else {
    return;
  }
  on_response(message);
}

}  // namespace soket::cluster
