#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "soket/socketio/message.hpp"

namespace soket::socketio {

class Socket;
class Namespace;

/// A room's name.
using Room = std::string;
/// A socket's id (a random string); also the name of the socket's own room.
using SocketId = std::string;

/// The error a middleware rejects a connection with; the client receives it in CONNECT_ERROR.
struct ConnectError {
  /// Sent to the client as the error's message.
  std::string message;
  boost::json::value data;  ///< optional details; null is left out
};

/// A handle to answer an event the client sent with an ack id. Empty when no answer is expected.
class Ack {
 public:
  Ack() = default;
  /// An ack for the packet `id` of `socket`.
  Ack(std::weak_ptr<Socket> socket, uint64_t id) : socket_(std::move(socket)), id_(id) {}

  /// Whether the client expects an answer.
  explicit operator bool() const { return id_.has_value(); }
  /// Sends the answer (once; later calls do nothing).
  void operator()(Message message);
  /// Sends the answer made of `values` (as emit() takes them).
  template <class... T>
  void send(T&&... values) {
    (*this)(make_message(std::forward<T>(values)...));
  }

 private:
  std::weak_ptr<Socket> socket_;
  std::optional<uint64_t> id_;
};

/// A listener of one event: the socket, the event's arguments, and the ack to answer with (empty
/// when the client expects none).
using EventHandler = std::function<void(Socket&, Message&, Ack&)>;
/// Names one listener added with Socket::on / once / on_any / ..., for off().
using ListenerId = uint64_t;
/// A listener of every incoming event (Socket::on_any), with the event's name.
using AnyHandler = std::function<void(Socket&, std::string_view event, Message&)>;
/// A listener of the socket's disconnection, with the reason ("client namespace disconnect",
/// "transport close", ...).
using DisconnectHandler = std::function<void(Socket&, std::string_view reason)>;
/// A disconnect listener that also takes the description (Node's second argument of "disconnect"):
/// for "transport error" {"type": "TransportError", "message": ...} and for "transport close"
/// {"message": ...} with what happened underneath; null for the other reasons.
using DisconnectDescriptionHandler =
    std::function<void(Socket&, std::string_view reason, const boost::json::value& description)>;
/// A listener of new connections to a namespace, called once the socket joined.
using ConnectionHandler = std::function<void(Socket&)>;
/// How a connection middleware goes on: next() to the next one, next(ConnectError{...}) to refuse.
using Next = std::function<void(std::optional<ConnectError>)>;
/// A connection middleware (Namespace::use): runs before the socket joins; calls `next` once.
using Middleware = std::function<void(Socket&, Next)>;
/// Goes on to the next packet middleware, or with an error ends the packet there: its listeners do
/// not run and the socket's error listeners get the error instead.
using PacketNext = std::function<void(std::optional<std::string> error)>;
/// Runs for every incoming event before its listeners (Node's socket.use); it may change the
/// message.
using PacketMiddleware =
    std::function<void(Socket&, std::string_view event, Message&, PacketNext next)>;
/// A listener of the errors of a socket's packet middlewares (Socket::on_error).
using ErrorHandler = std::function<void(Socket&, std::string_view error)>;
/// Called with the client's answer to an emit, or with an error ("operation has timed out",
/// "socket has been disconnected") and an empty message.
using AckCallback = std::function<void(std::optional<std::string> error, Message& reply)>;
/// Called with every targeted client's answer to a broadcast (the first value of each answer, in
/// responses.args), or with "operation has timed out" and the answers that came in time.
using BroadcastAckCallback =
    std::function<void(std::optional<std::string> error, Message& responses)>;
/// Answers a server-side emit of another node; empty when that node expects no answer. Only the
/// first value of `reply` travels, as in the reference.
using ServerSideReply = std::function<void(Message reply)>;
/// Handles a server-side emit from another node (Node's `io.on("event", ...)`).
using ServerSideHandler = std::function<void(Message& args, const ServerSideReply& reply)>;

}  // namespace soket::socketio
