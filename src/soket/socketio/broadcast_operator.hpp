#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "soket/socketio/ack_completion.hpp"
#include "soket/socketio/adapter.hpp"
#include "soket/socketio/message.hpp"
#include "soket/socketio/typed_events.hpp"

namespace soket::socketio {

class Namespace;
class RemoteSocket;

/// The sockets fetch_sockets found on every node, or the error that stopped it.
using FetchRemoteSocketsCallback =
    std::function<void(std::optional<std::string> error, std::vector<RemoteSocket> sockets)>;

/// Targets a set of sockets of one namespace: to(room) / in(room) add rooms, except(room) removes
/// their members. Emits are encoded once and the same bytes go to every target.
class BroadcastOperator {
 public:
  /// Targets every socket of `nsp` (narrow it with to(), except(), ...).
  BroadcastOperator(Namespace& nsp, BroadcastOptions options = {})
      : nsp_(&nsp), options_(std::move(options)) {}

  /// Adds a room to the targets (a socket in several is reached once).
  BroadcastOperator to(Room room) const;
  /// Several rooms at once: each member of any of them is reached once.
  BroadcastOperator to(std::initializer_list<Room> rooms) const;
  /// Adds rooms to the targets.
  BroadcastOperator to(const std::vector<Room>& rooms) const;
  /// Same as to().
  BroadcastOperator in(Room room) const { return to(std::move(room)); }
  /// Same as to().
  BroadcastOperator in(std::initializer_list<Room> rooms) const { return to(rooms); }
  /// Same as to().
  BroadcastOperator in(const std::vector<Room>& rooms) const { return to(rooms); }
  /// Leaves out the members of `room` (a socket id is a room too).
  BroadcastOperator except(Room room) const;
  /// Leaves out the sockets in these rooms.
  BroadcastOperator except(std::initializer_list<Room> rooms) const;
  /// Leaves out the sockets in these rooms.
  BroadcastOperator except(const std::vector<Room>& rooms) const;
  /// The packets are dropped for the sockets whose connection cannot take them now (Node's
  /// volatile).
  BroadcastOperator volatile_() const;
  /// Only the sockets of this node.
  BroadcastOperator local() const;
  /// compress(false): the packets skip compression (permessage-deflate, HTTP compression).
  BroadcastOperator compress(bool compress) const;
  /// How long emit_with_ack waits for the clients' answers.
  BroadcastOperator timeout(std::chrono::milliseconds timeout) const;

  /// Emits `message` as `event` to the targets (encoded once for all).
  void emit_message(std::string_view event, Message message) const;
  /// Emits [event, values...] to the targets.
  template <class... T>
  void emit(std::string_view event, T&&... values) const {
    emit_message(event, make_message(std::forward<T>(values)...));
  }
  /// emit<E>(values...): a typed event (typed_events.hpp), checked at compile time.
  template <EventDescriptor E, class... V>
  void emit(V&&... values) const {
    emit_message(E::name, event_message<E>(std::forward<V>(values)...));
  }
  /// emit("message", values...) (Node's send).
  template <class... T>
  void send(T&&... values) const {
    emit("message", std::forward<T>(values)...);
  }

  /// Emits and collects the answer of every targeted client of the cluster: `done` gets them once
  /// all came in, or "operation has timed out" with those that did after timeout() (5 s when not
  /// set).
  void emit_with_ack(std::string_view event, Message message, BroadcastAckCallback done) const;
  /// The same, variadic, with an Asio completion token for `void(error_code, Message responses)`
  /// (AckError::timed_out, with the answers that came in time):
  ///   auto answers = co_await io.timeout(2s).emit_with_ack("question", "?", asio::use_awaitable);
  template <class... Args>
  requires detail::ends_with_token<Args...>
  auto emit_with_ack(std::string_view event, Args&&... args) const {
    return detail::initiate_ack(
        io(),
        [op = *this, name = std::string(event)](Message message, AckCallback done) {
          op.emit_with_ack(
              name, std::move(message),
              [done = std::move(done)](std::optional<std::string> error, Message& responses) {
                done(error, responses);
              });
        },
        event, std::forward<Args>(args)...);
  }

  /// The ids of the targeted sockets of this node.
  std::vector<SocketId> socket_ids() const;
  /// The targeted sockets of every node (of this one with local()).
  void fetch_sockets(FetchRemoteSocketsCallback done) const;
  /// Makes the targeted sockets join `rooms`.
  void sockets_join(std::vector<Room> rooms) const;
  /// Makes the targeted sockets leave `rooms`.
  void sockets_leave(std::vector<Room> rooms) const;
  /// Disconnects the targeted sockets (`close`: their whole connection).
  void disconnect_sockets(bool close = false) const;

  /// The targets and flags so far.
  const BroadcastOptions& options() const { return options_; }
  /// The io_context of the namespace.
  net::asio::io_context& io() const;

 private:
  Namespace* nsp_;
  BroadcastOptions options_;
};

}  // namespace soket::socketio
