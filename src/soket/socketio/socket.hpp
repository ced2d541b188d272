#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "soket/engineio/handshake.hpp"
#include "soket/socketio/broadcast_operator.hpp"
#include "soket/socketio/packet.hpp"
#include "soket/socketio/types.hpp"

namespace soket::socketio {

class Client;

class Socket;

/// What Socket::compress() returns: emits to that one socket with the per-packet flag.
class SocketEmitter {
 public:
  void emit_message(std::string_view event, Message message) const;
  template <class... T>
  void emit(std::string_view event, T&&... values) const {
    emit_message(event, make_message(std::forward<T>(values)...));
  }
  void emit_with_ack(std::string_view event, Message message, AckCallback callback,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds::zero()) const;

 private:
  friend class Socket;
  SocketEmitter(Socket& socket, bool compress) : socket_(&socket), compress_(compress) {}
  Socket* socket_;
  bool compress_;
};

/// One client's membership of one namespace: what socket.io calls a Socket.
class Socket : public std::enable_shared_from_this<Socket> {
 public:
  Socket(Namespace& nsp, Client& client, boost::json::object auth);
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  const SocketId& id() const { return id_; }
  Namespace& nsp() { return nsp_; }
  bool connected() const { return connected_; }
  /// The Engine.IO handshake (query, headers, address, url) this connection opened with.
  const engineio::Handshake& handshake() const;
  /// The `auth` payload the client sent with CONNECT.
  const boost::json::object& auth() const { return auth_; }
  /// Anything the application wants to keep with the socket (socket.data).
  boost::json::object& data() { return data_; }
  /// "polling" or "websocket", or "" once disconnected.
  std::string_view transport() const;

  void on(std::string event, EventHandler handler);
  void on_any(AnyHandler handler) { any_handlers_.push_back(std::move(handler)); }
  void on_disconnecting(DisconnectHandler handler) {
    on_disconnecting_.push_back(std::move(handler));
  }
  void on_disconnect(DisconnectHandler handler) { on_disconnect_.push_back(std::move(handler)); }

  void emit_message(std::string_view event, Message message);
  template <class... T>
  void emit(std::string_view event, T&&... values) {
    emit_message(event, make_message(std::forward<T>(values)...));
  }
  /// Emits and waits for the client's ack; after `timeout` (when > 0) the callback gets
  /// "operation has timed out".
  void emit_with_ack(std::string_view event, Message message, AckCallback callback,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());
  /// compress(false).emit(...): that packet skips compression (permessage-deflate, HTTP).
  SocketEmitter compress(bool compress) { return {*this, compress}; }

  void join(Room room);
  void join(const std::vector<Room>& rooms);
  void leave(const Room& room);
  std::vector<Room> rooms() const;

  /// Every other socket of the namespace in `room` (this one excluded), and so on.
  BroadcastOperator to(Room room) const { return broadcast().to(std::move(room)); }
  BroadcastOperator in(Room room) const { return to(std::move(room)); }
  BroadcastOperator except(Room room) const { return broadcast().except(std::move(room)); }
  BroadcastOperator broadcast() const;

  /// Leaves the namespace ("server namespace disconnect"); with close, ends the whole connection.
  void disconnect(bool close = false);

  /// Writes an encoded packet to this socket's connection (used by adapters).
  void write(const EncodedPacket& packet);
  /// Waits for the client's ack of packet `id`, sent by someone else (a broadcast with an ack).
  void expect_ack(uint64_t id, AckCallback callback);

 private:
  friend class Client;
  friend class Namespace;
  friend class Ack;
  friend class SocketEmitter;

  void emit_event(std::string_view event, Message message, bool compress);
  void emit_event_with_ack(std::string_view event, Message message, AckCallback callback,
                           std::chrono::milliseconds timeout, bool compress);
  void write(const EncodedPacket& packet, bool compress) {
    if (compress) return write(packet);
    write(uncompressed(packet));
  }

  void on_connect();
  void on_packet(Packet& packet);
  void on_event(Packet& packet);
  void on_ack(Packet& packet);
  void send_ack(uint64_t id, Message message);
  /// Leaves the namespace for `reason`; the client is told only when `notify_client`.
  void on_close(std::string_view reason);

  struct PendingAck {
    AckCallback callback;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  Namespace& nsp_;
  Client* client_;
  SocketId id_;
  boost::json::object auth_;
  boost::json::object data_;
  bool connected_ = false;
  // A few handlers per socket, for as long as it lives: a vector is smaller than a hash map and
  // as fast to search at this size.
  std::vector<std::pair<std::string, EventHandler>> handlers_;
  std::vector<AnyHandler> any_handlers_;
  std::vector<DisconnectHandler> on_disconnecting_;
  std::vector<DisconnectHandler> on_disconnect_;
  std::unordered_map<uint64_t, PendingAck> acks_;
};

}  // namespace soket::socketio
