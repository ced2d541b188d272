#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace soket::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Conn;

/// What a scenario does with its connections. Called on the io thread.
class ConnHandler {
 public:
  /// The Socket.IO CONNECT to "/" was answered: the connection is ready for events.
  virtual void on_ready(Conn& conn) = 0;
  /// One Socket.IO packet (the Engine.IO "4" removed), e.g. `43[...]` or `42["msg",...]`.
  virtual void on_packet(Conn& conn, std::string_view packet) = 0;
  virtual void on_failed(Conn& conn, std::string_view what) = 0;

 protected:
  ~ConnHandler() = default;
};

/// One Socket.IO client connection of the generator, over some Engine.IO transport.
class Conn {
 public:
  Conn(ConnHandler& handler, std::size_t index) : handler_(handler), index_(index) {}
  virtual ~Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  /// Connects from `source` (port chosen by the kernel) to `server`; `path` is the request target
  /// of the WebSocket upgrade ("/socket.io/?EIO=4&transport=websocket").
  virtual void start(const tcp::endpoint& server, const asio::ip::address& source,
                     std::string path) = 0;
  /// Sends one Engine.IO message packet: "4" + `packet`.
  virtual void send_packet(std::string_view packet) = 0;
  /// Sends raw Engine.IO text (no "4" added).
  virtual void send_engineio(std::string_view text) = 0;
  virtual void close() = 0;

  std::size_t index() const { return index_; }
  bool ready() const { return state_ == State::ready; }
  bool failed() const { return state_ == State::failed; }
  /// Engine.IO pings answered.
  uint64_t pings() const { return pings_; }

 protected:
  enum class State { connecting, upgrading, opening, joining, ready, failed, closed };
  bool ended() const { return state_ == State::failed || state_ == State::closed; }

  /// One Engine.IO packet from the server, whatever the transport: answers pings, sends the
  /// Socket.IO CONNECT after the open packet, reports readiness and Socket.IO packets.
  void on_engineio_text(std::string_view text);
  /// Queues Engine.IO text `a` + `b` for the server (written after the current batch).
  virtual void queue_text(std::string_view a, std::string_view b = {}) = 0;
  virtual void fail(std::string_view what, const boost::system::error_code& ec = {}) = 0;

  ConnHandler& handler_;
  std::size_t index_;
  State state_ = State::connecting;
  uint64_t pings_ = 0;
};

}  // namespace soket::bench
