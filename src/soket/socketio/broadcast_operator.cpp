#include "soket/socketio/broadcast_operator.hpp"

#include <boost/asio/steady_timer.hpp>

#include "soket/socketio/event_packet.hpp"
#include "soket/socketio/namespace.hpp"
#include "soket/socketio/remote_socket.hpp"
#include "soket/socketio/server.hpp"
#include "soket/util/log.hpp"
#include "soket/util/timer_delay.hpp"

namespace soket::socketio {

namespace {

constexpr std::chrono::milliseconds kDefaultAckTimeout{5000};

// Collects the answers to one broadcast with an ack, as the reference does: it is complete once
// every node has said how many clients it reached and that many answers came in.
struct AckCollector {
  AckCollector(net::asio::io_context& io, BroadcastAckCallback done)
      : timer(io), done(std::move(done)) {}

  void check() {
    if (finished || !expected_servers || *expected_servers != servers_counted ||
        responses.args.size() != expected_clients)
      return;
    finish(std::nullopt);
  }
  void finish(std::optional<std::string> error) {
    if (std::exchange(finished, true)) return;
    timer.cancel();
    auto callback = std::move(done);
    callback(std::move(error), responses);
  }

  boost::asio::steady_timer timer;
  BroadcastAckCallback done;
  Message responses;
  std::optional<std::size_t> expected_servers;
  std::size_t servers_counted = 0;
  std::size_t expected_clients = 0;
  bool finished = false;
};

}  // namespace

BroadcastOperator BroadcastOperator::to(Room room) const {
  auto options = options_;
  options.rooms.push_back(std::move(room));
  return {*nsp_, std::move(options)};
}

BroadcastOperator BroadcastOperator::except(Room room) const {
  auto options = options_;
  options.except.push_back(std::move(room));
  return {*nsp_, std::move(options)};
}

BroadcastOperator BroadcastOperator::to(std::initializer_list<Room> rooms) const {
  auto options = options_;
  options.rooms.insert(options.rooms.end(), rooms.begin(), rooms.end());
  return {*nsp_, std::move(options)};
}

BroadcastOperator BroadcastOperator::to(const std::vector<Room>& rooms) const {
  auto options = options_;
  options.rooms.insert(options.rooms.end(), rooms.begin(), rooms.end());
  return {*nsp_, std::move(options)};
}

BroadcastOperator BroadcastOperator::except(std::initializer_list<Room> rooms) const {
  auto options = options_;
  options.except.insert(options.except.end(), rooms.begin(), rooms.end());
  return {*nsp_, std::move(options)};
}

BroadcastOperator BroadcastOperator::except(const std::vector<Room>& rooms) const {
  auto options = options_;
  options.except.insert(options.except.end(), rooms.begin(), rooms.end());
  return {*nsp_, std::move(options)};
}

BroadcastOperator BroadcastOperator::volatile_() const {
  auto options = options_;
  options.flags.volatile_ = true;
  return {*nsp_, std::move(options)};
}

BroadcastOperator BroadcastOperator::local() const {
  auto options = options_;
  options.flags.local = true;
  return {*nsp_, std::move(options)};
}

BroadcastOperator BroadcastOperator::compress(bool compress) const {
  auto options = options_;
  options.flags.compress = compress;
  return {*nsp_, std::move(options)};
}

BroadcastOperator BroadcastOperator::timeout(std::chrono::milliseconds timeout) const {
  auto options = options_;
  options.flags.timeout = timeout;
  return {*nsp_, std::move(options)};
}

void BroadcastOperator::emit_message(std::string_view event, Message message) const {
  log::debug(log::Layer::socketio, "broadcasting event \"{}\" in {} to {} room(s), except {}{}",
             event, nsp_->name(), options_.rooms.size(), options_.except.size(),
             options_.flags.local ? " (this node only)" : "");
  auto packet = make_event_packet(nsp_->name(), event, std::move(message), std::nullopt);
  nsp_->adapter().broadcast_packet(packet, options_);
}

void BroadcastOperator::emit_with_ack(std::string_view event, Message message,
                                      BroadcastAckCallback done) const {
  auto options = options_;
  if (!options.flags.timeout) options.flags.timeout = kDefaultAckTimeout;
  auto collector = std::make_shared<AckCollector>(nsp_->server().io(), std::move(done));
  collector->timer.expires_after(bounded_timer_delay(*options.flags.timeout));
  collector->timer.async_wait([collector](boost::system::error_code ec) {
    if (!ec) collector->finish(std::string("operation has timed out"));
  });
  auto packet = make_event_packet(nsp_->name(), event, std::move(message), std::nullopt);
  auto& adapter = nsp_->adapter();
  adapter.broadcast_with_ack(
      std::move(packet), options,
      [collector](std::size_t count) {
        collector->expected_clients += count;
        ++collector->servers_counted;
        collector->check();
      },
      [collector](Message& reply) {
        if (collector->finished) return;
        if (reply.args.empty())
          collector->responses.args.emplace_back(nullptr);
        else
          collector->responses.append_from(reply.args.front(), reply.attachments);
        collector->check();
      });
  if (options.flags.local) {
    collector->expected_servers = 1;
    return collector->check();
  }
  adapter.server_count([collector](std::optional<std::size_t> count) {
    // Unknown (the broker is down): only the timeout can end the wait.
    collector->expected_servers = count;
    collector->check();
  });
}

net::asio::io_context& BroadcastOperator::io() const {
  return nsp_->server().io();
}

std::vector<SocketId> BroadcastOperator::socket_ids() const {
  return nsp_->adapter().sockets(options_);
}

void BroadcastOperator::fetch_sockets(FetchRemoteSocketsCallback done) const {
  nsp_->adapter().fetch_sockets(
      options_, [nsp = nsp_, done = std::move(done)](std::optional<std::string> error,
                                                     std::vector<SocketDetails> found) {
        std::vector<RemoteSocket> sockets;
        sockets.reserve(found.size());
        for (auto& details : found)
          sockets.emplace_back(*nsp, std::move(details));
        done(std::move(error), std::move(sockets));
      });
}

void BroadcastOperator::sockets_join(std::vector<Room> rooms) const {
  nsp_->adapter().add_sockets(options_, rooms);
}

void BroadcastOperator::sockets_leave(std::vector<Room> rooms) const {
  nsp_->adapter().del_sockets(options_, rooms);
}

void BroadcastOperator::disconnect_sockets(bool close) const {
  nsp_->adapter().disconnect_sockets(options_, close);
}

}  // namespace soket::socketio
