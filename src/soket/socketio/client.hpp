#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "soket/engineio/socket.hpp"
#include "soket/socketio/packet.hpp"

namespace soket::socketio {

class Server;
class Socket;

/// One Engine.IO connection seen from Socket.IO: decodes its packets and routes them to the
/// sockets it has in each namespace.
class Client final : public engineio::SocketListener, public std::enable_shared_from_this<Client> {
 public:
  /// The Socket.IO side of the Engine.IO `connection`, served by `server`.
  Client(Server& server, std::shared_ptr<engineio::Socket> connection);

  /// Starts listening to the connection; it is closed unless it joins a namespace within
  /// connect_timeout.
  void start();
  /// The underlying Engine.IO connection.
  engineio::Socket& connection() { return *connection_; }
  /// Socket.IO v4 (the protocol of socket.io 2.x clients), spoken over Engine.IO v3.
  bool legacy_protocol() const { return connection_->protocol() == 3; }
  /// The server this client belongs to.
  Server& server() { return server_; }

  /// Sends an encoded packet (nothing once the client is closed).
  void write(const EncodedPacket& packet);
  /// Encodes `packet` with the server's parser and sends it.
  void write(const Packet& packet);
  /// Leaves every namespace, telling the client (DISCONNECT packets).
  void disconnect_all();
  /// Ends the connection (and so every namespace on it).
  void close(std::string_view reason = "forced close");

 private:
  friend class Socket;
  friend class Namespace;

  void on_message(std::string_view data, bool binary) override;
  void on_close(std::string_view reason) override;
  void on_packet(Packet packet);
  /// The second argument of the sockets' disconnect listeners for a close with `reason`.
  boost::json::value close_description(std::string_view reason) const;
  /// Joins namespace `name` (CONNECT), or answers CONNECT_ERROR "Invalid namespace".
  void connect(const std::string& name, boost::json::object auth);
  void on_legacy_connect(Packet& packet);
  void add_socket(std::shared_ptr<Socket> socket);
  void remove_socket(const Socket& socket);
  std::shared_ptr<Socket> socket_for(std::string_view nsp) const;

  Server& server_;
  std::shared_ptr<engineio::Socket> connection_;
  // The sockets of the namespaces joined on this connection; almost always one, kept in place
  // (no allocation of its own). A socket here is connected, so its namespace (and name) is there.
  boost::container::small_vector<std::shared_ptr<Socket>, 1> sockets_;
  // What a client needs only in passing, made when first needed and dropped when all of it is
  // done, so that an idle client holds one null pointer for it.
  struct Passing {
    // Most packets are whole in one message and are decoded on the stack; only a binary packet
    // waiting for its attachments keeps a decoder.
    std::unique_ptr<Decoder> awaiting_attachments;
    // Until the first namespace is joined.
    std::unique_ptr<boost::asio::steady_timer> connect_timer;
    // Namespaces whose CONNECT is still in the middlewares or a session restore (at most a few).
    std::vector<std::string> connecting;
  };
  std::unique_ptr<Passing> passing_;
  Passing& passing() {
    if (!passing_) passing_ = std::make_unique<Passing>();
    return *passing_;
  }
  void drop_passing_if_done() {
    if (passing_ && !passing_->awaiting_attachments && !passing_->connect_timer &&
        passing_->connecting.empty())
      passing_.reset();
  }
  bool connecting_to(std::string_view nsp) const {
    return passing_ && std::find(passing_->connecting.begin(), passing_->connecting.end(), nsp) !=
                           passing_->connecting.end();
  }
  void add_connecting(const std::string& nsp);
  void remove_connecting(std::string_view nsp);
  bool closed_ = false;
};

}  // namespace soket::socketio
