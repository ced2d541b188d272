#include "soket/socketio/cluster_adapter.hpp"

#include <spdlog/spdlog.h>

#include "soket/socketio/cluster_codec.hpp"
#include "soket/socketio/namespace.hpp"
#include "soket/socketio/server.hpp"
#include "soket/util/log.hpp"
#include "soket/util/random_id.hpp"
#include "soket/util/timer_delay.hpp"

namespace soket::socketio {

namespace codec = cluster_codec;

namespace {

std::optional<std::string> request_id_of(const boost::json::object& data) {
  const auto* value = data.if_contains("requestId");
  if (!value || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

}  // namespace

ClusterAdapter::ClusterAdapter(Namespace& nsp, ClusterAdapterOptions options, std::string uid)
    : InMemoryAdapter(nsp), options_(options), uid_(uid.empty() ? random_id() : std::move(uid)) {}

ClusterAdapter::~ClusterAdapter() {
  *alive_ = false;
}

ClusterMessage ClusterAdapter::make_message(ClusterMessageType type) const {
  ClusterMessage message;
  message.type = type;
  message.uid = uid_;
  message.nsp = nsp_.name();
  return message;
}

void ClusterAdapter::publish(ClusterMessage message) {
  log::debug(log::Layer::cluster, "{} {}: publishing a message of type {}", uid_, nsp_.name(),
             static_cast<int>(message.type));
  do_publish(message);
}

void ClusterAdapter::publish_response(const std::string& requester, ClusterMessageType type,
                                      const std::string& request_id, boost::json::object data,
                                      std::vector<SharedBytes> attachments) {
  auto response = make_message(type);
  response.data = std::move(data);
  response.data["requestId"] = request_id;
  response.attachments = std::move(attachments);
  do_publish_response(requester, response);
}

void ClusterAdapter::broadcast_packet(const Packet& packet, const BroadcastOptions& options) {
  if (!options.flags.local) {
    auto message = make_message(ClusterMessageType::broadcast);
    message.data["packet"] = codec::packet_to_json(packet);
    message.data["opts"] = codec::options_to_json(options);
    message.attachments = packet.attachments;
    publish(std::move(message));  // without this node's offset: each node adds its own
  }
  InMemoryAdapter::broadcast(encode_for_delivery(packet, options), options);
}

void ClusterAdapter::broadcast_with_ack(Packet packet, const BroadcastOptions& options,
                                        ClientCountCallback client_count, ClientAckCallback ack) {
  if (!options.flags.local) {
    auto request_id = random_id();
    packet.nsp = nsp_.name();
    auto message = make_message(ClusterMessageType::broadcast);
    message.data["packet"] = codec::packet_to_json(packet);
    message.data["opts"] = codec::options_to_json(options);
    message.data["requestId"] = request_id;
    message.attachments = packet.attachments;
    // The answers cannot be counted here (only the caller knows when it has them all), so the
    // request is forgotten after the broadcast's timeout, as in the reference.
    auto expiry = std::make_unique<boost::asio::steady_timer>(nsp_.server().io());
    expiry->expires_after(
        bounded_timer_delay(options.flags.timeout.value_or(options_.requests_timeout)));
    expiry->async_wait(
        [this, alive = std::weak_ptr<bool>(alive_), request_id](boost::system::error_code ec) {
          if (!ec && !alive.expired()) ack_requests_.erase(request_id);
        });
    ack_requests_[request_id] = AckRequest{client_count, ack, std::move(expiry)};
    publish(std::move(message));
  }
  client_count(local_broadcast_with_ack(packet, options, ack));
}

void ClusterAdapter::add_sockets(const BroadcastOptions& options, std::span<const Room> rooms) {
  if (!options.flags.local) {
    auto message = make_message(ClusterMessageType::sockets_join);
    message.data["opts"] = codec::options_to_json(options);
    message.data["rooms"] = codec::strings_to_json({rooms.begin(), rooms.end()});
    publish(std::move(message));
  }
  InMemoryAdapter::add_sockets(options, rooms);
}

void ClusterAdapter::del_sockets(const BroadcastOptions& options, std::span<const Room> rooms) {
  if (!options.flags.local) {
    auto message = make_message(ClusterMessageType::sockets_leave);
    message.data["opts"] = codec::options_to_json(options);
    message.data["rooms"] = codec::strings_to_json({rooms.begin(), rooms.end()});
    publish(std::move(message));
  }
  InMemoryAdapter::del_sockets(options, rooms);
}

void ClusterAdapter::disconnect_sockets(const BroadcastOptions& options, bool close) {
  if (!options.flags.local) {
    auto message = make_message(ClusterMessageType::disconnect_sockets);
    message.data["opts"] = codec::options_to_json(options);
    message.data["close"] = close;
    publish(std::move(message));
  }
  InMemoryAdapter::disconnect_sockets(options, close);
}

void ClusterAdapter::fetch_sockets(const BroadcastOptions& options, FetchSocketsCallback done) {
  auto local = local_details(options);
  if (options.flags.local) return done(std::nullopt, std::move(local));
  server_count([this, alive = std::weak_ptr<bool>(alive_), options, done = std::move(done),
                local = std::move(local)](std::optional<std::size_t> count) mutable {
    if (alive.expired()) return;
    auto id = random_id();
    auto message = make_message(ClusterMessageType::fetch_sockets);
    message.data["opts"] = codec::options_to_json(options);
    message.data["requestId"] = id;
    Request request;
    request.type = ClusterMessageType::fetch_sockets;
    request.sockets = std::move(local);
    request.fetch_done = std::move(done);
    start_request(std::move(id), std::move(request), count, std::move(message));
  });
}

void ClusterAdapter::server_side_emit(Message message, ServerSideAckCallback ack) {
  auto publish_emit = [this](Message& args, const std::string* request_id) {
    auto out = make_message(ClusterMessageType::server_side_emit);
    out.data["packet"] = std::move(args.args);
    if (request_id) out.data["requestId"] = *request_id;
    out.attachments = std::move(args.attachments);
    return out;
  };
  if (!ack) return publish(publish_emit(message, nullptr));
  server_count([this, alive = std::weak_ptr<bool>(alive_), publish_emit,
                message = std::move(message),
                ack = std::move(ack)](std::optional<std::size_t> count) mutable {
    if (alive.expired()) return;
    auto id = random_id();
    auto out = publish_emit(message, &id);
    Request request;
    request.type = ClusterMessageType::server_side_emit;
    request.emit_done = std::move(ack);
    start_request(std::move(id), std::move(request), count, std::move(out));
  });
}

void ClusterAdapter::start_request(std::string id, Request request,
                                   std::optional<std::size_t> server_count,
                                   ClusterMessage message) {
  if (server_count && *server_count <= 1) {
    // No other node: complete at once, but never inside the caller's call.
    requests_.emplace(id, std::move(request));
    boost::asio::post(nsp_.server().io(), [this, alive = std::weak_ptr<bool>(alive_), id] {
      if (!alive.expired()) finish_request(id, std::nullopt);
    });
    return;
  }
  // An unknown count (the broker is unreachable) waits for the timeout like a lost node would.
  request.expected = server_count ? *server_count - 1 : SIZE_MAX;
  request.timer = std::make_unique<boost::asio::steady_timer>(nsp_.server().io());
  request.timer->expires_after(options_.requests_timeout);
  request.timer->async_wait(
      [this, alive = std::weak_ptr<bool>(alive_), id](boost::system::error_code ec) {
        if (ec || alive.expired()) return;
        auto it = requests_.find(id);
        if (it == requests_.end()) return;
        const char* what = it->second.type == ClusterMessageType::fetch_sockets ? "fetchSockets"
                                                                                : "serverSideEmit";
        std::string error = "timeout reached while waiting for " + std::string(what) +
                            " response: only " + std::to_string(it->second.received) +
                            " responses received";
        if (it->second.expected != SIZE_MAX)
          error += " out of " + std::to_string(it->second.expected);
        else
          error += " (the number of nodes is unknown: the cluster broker is unreachable)";
        finish_request(id, std::move(error));
      });
  requests_.emplace(id, std::move(request));
  publish(std::move(message));
}

void ClusterAdapter::finish_request(const std::string& id, std::optional<std::string> error) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  auto request = std::move(it->second);
  requests_.erase(it);
  if (request.timer) request.timer->cancel();
  if (request.fetch_done) request.fetch_done(std::move(error), std::move(request.sockets));
  if (request.emit_done) request.emit_done(std::move(error), request.responses);
}

std::optional<ClusterMessageType> ClusterAdapter::pending_request(
    const std::string& request_id) const {
  if (auto it = requests_.find(request_id); it != requests_.end()) return it->second.type;
  if (ack_requests_.contains(request_id)) return ClusterMessageType::broadcast;
  return std::nullopt;
}

void ClusterAdapter::apply_broadcast(ClusterMessage& message, const BroadcastOptions& options) {
  auto packet = codec::packet_from_json(message.data["packet"], nsp_.name());
  if (!packet) {
    spdlog::warn("cluster {}: dropped a broadcast with a malformed packet from {}", nsp_.name(),
                 message.uid);
    return;
  }
  packet->attachments = std::move(message.attachments);
  auto request_id = request_id_of(message.data);
  if (!request_id)
    return InMemoryAdapter::broadcast(encode_for_delivery(*packet, options), options);
  auto requester = message.uid;
  auto count = local_broadcast_with_ack(
      *packet, options,
      [this, alive = std::weak_ptr<bool>(alive_), requester, id = *request_id](Message& reply) {
        if (alive.expired()) return;
        // The reference sends the first value of each answer.
        Message first;
        if (!reply.args.empty()) first.append_from(reply.args.front(), reply.attachments);
        boost::json::object data;
        data["packet"] = first.args.empty() ? boost::json::value() : first.args.front();
        publish_response(requester, ClusterMessageType::broadcast_ack, id, std::move(data),
                         std::move(first.attachments));
      });
  publish_response(requester, ClusterMessageType::broadcast_client_count, *request_id,
                   {{"clientCount", count}});
}

void ClusterAdapter::on_message(ClusterMessage& message) {
  if (message.uid == uid_) return;
  if (message.nsp != nsp_.name()) return;
  log::debug(log::Layer::cluster, "{} {}: received a message of type {} from {}", uid_, nsp_.name(),
             static_cast<int>(message.type), message.uid);
  auto drop = [&](const char* why) {
    spdlog::warn("cluster {}: dropped a message of type {} from {}: {}", nsp_.name(),
                 static_cast<int>(message.type), message.uid, why);
  };
  auto options = [&]() -> std::optional<BroadcastOptions> {
    // Required: a message without them must not be taken for "every socket".
    const auto* opts = message.data.if_contains("opts");
    if (!opts) return std::nullopt;
    return codec::options_from_json(*opts);
  };
  switch (message.type) {
    case ClusterMessageType::broadcast: {
      auto opts = options();
      if (!opts) return drop("malformed options");
      return apply_broadcast(message, *opts);
    }
    case ClusterMessageType::sockets_join:
    case ClusterMessageType::sockets_leave: {
      auto opts = options();
      const auto* rooms_value = message.data.if_contains("rooms");
      auto rooms = rooms_value ? codec::strings_from_json(*rooms_value) : std::nullopt;
      if (!opts || !rooms) return drop("malformed options or rooms");
      if (message.type == ClusterMessageType::sockets_join)
        return InMemoryAdapter::add_sockets(*opts, *rooms);
      return InMemoryAdapter::del_sockets(*opts, *rooms);
    }
    case ClusterMessageType::disconnect_sockets: {
      auto opts = options();
      if (!opts) return drop("malformed options");
      const auto* close = message.data.if_contains("close");
      return InMemoryAdapter::disconnect_sockets(*opts,
                                                 close && close->is_bool() && close->get_bool());
    }
    case ClusterMessageType::fetch_sockets: {
      auto opts = options();
      auto request_id = request_id_of(message.data);
      if (!opts || !request_id) return drop("malformed options or request id");
      boost::json::array sockets;
      for (const auto& details : local_details(*opts))
        sockets.push_back(codec::details_to_json(details));
      return publish_response(message.uid, ClusterMessageType::fetch_sockets_response, *request_id,
                              {{"sockets", std::move(sockets)}});
    }
    case ClusterMessageType::server_side_emit: {
      auto* packet = message.data.if_contains("packet");
      if (!packet || !packet->is_array()) return drop("malformed packet");
      Message args;
      args.args = std::move(packet->get_array());
      args.attachments = std::move(message.attachments);
      ServerSideReply reply;
      if (auto request_id = request_id_of(message.data)) {
        auto called = std::make_shared<bool>(false);
        reply = [this, alive = std::weak_ptr<bool>(alive_), requester = message.uid,
                 id = *request_id, called](Message answer) {
          if (alive.expired() || std::exchange(*called, true)) return;
          Message first;
          if (!answer.args.empty()) first.append_from(answer.args.front(), answer.attachments);
          boost::json::object data;
          data["packet"] = first.args.empty() ? boost::json::value() : first.args.front();
          publish_response(requester, ClusterMessageType::server_side_emit_response, id,
                           std::move(data), std::move(first.attachments));
        };
      }
      return nsp_.dispatch_server_side(args, reply);
    }
    case ClusterMessageType::fetch_sockets_response:
    case ClusterMessageType::server_side_emit_response:
    case ClusterMessageType::broadcast_client_count:
    case ClusterMessageType::broadcast_ack:
      return on_response(message);
    default:
      return;  // heartbeats and the like: this adapter counts nodes through the broker
  }
}

void ClusterAdapter::on_response(ClusterMessage& response) {
  auto request_id = request_id_of(response.data);
  if (!request_id) return;
  switch (response.type) {
    case ClusterMessageType::broadcast_client_count: {
      auto it = ack_requests_.find(*request_id);
      const auto* count = response.data.if_contains("clientCount");
      if (it == ack_requests_.end() || !count || !count->is_number()) return;
      boost::system::error_code ec;
      auto n = count->to_number<std::size_t>(ec);
      if (!ec) it->second.client_count(n);
      return;
    }
    case ClusterMessageType::broadcast_ack: {
      auto it = ack_requests_.find(*request_id);
      if (it == ack_requests_.end()) return;
      Message reply;
      if (auto* packet = response.data.if_contains("packet"))
        reply.append_from(*packet, response.attachments);
      auto ack = it->second.ack;  // the callback may end the request
      return ack(reply);
    }
    case ClusterMessageType::fetch_sockets_response: {
      auto it = requests_.find(*request_id);
      if (it == requests_.end() || it->second.type != ClusterMessageType::fetch_sockets) return;
      const auto* sockets = response.data.if_contains("sockets");
      if (!sockets || !sockets->is_array()) return;
      for (const auto& value : sockets->get_array())
        if (auto details = codec::details_from_json(value))
          it->second.sockets.push_back(std::move(*details));
      if (++it->second.received >= it->second.expected) finish_request(*request_id, std::nullopt);
      return;
    }
    case ClusterMessageType::server_side_emit_response: {
      auto it = requests_.find(*request_id);
      if (it == requests_.end() || it->second.type != ClusterMessageType::server_side_emit) return;
      const auto* packet = response.data.if_contains("packet");
      it->second.responses.append_from(packet ? *packet : boost::json::value(),
                                       response.attachments);
      if (++it->second.received >= it->second.expected) finish_request(*request_id, std::nullopt);
      return;
    }
    default:
      return;
  }
}

}  // namespace soket::socketio
