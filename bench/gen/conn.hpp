#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

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

/// A lean Socket.IO-over-WebSocket client connection: TCP connect (then a TLS handshake when
/// given a context), HTTP upgrade, Engine.IO open, Socket.IO CONNECT, then masked text frames out
/// and unmasked frames in. Pings are answered here. Writes queued during one handler call go out
/// in one write.
class Conn {
 public:
  Conn(asio::io_context& io, ConnHandler& handler, std::size_t index,
       asio::ssl::context* tls = nullptr);
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  /// Connects from `source` (port chosen by the kernel) to `server`.
  void start(const tcp::endpoint& server, const asio::ip::address& source, std::string path);

  /// Sends one Engine.IO message packet: "4" + `packet` in one masked text frame.
  void send_packet(std::string_view packet);
  /// Sends raw Engine.IO text (no "4" added).
  void send_engineio(std::string_view text);
  void close();

  std::size_t index() const { return index_; }
  bool ready() const { return state_ == State::ready; }
  bool failed() const { return state_ == State::failed; }
  /// Frames received (all kinds) since start.
  uint64_t frames_in() const { return frames_in_; }

 private:
  enum class State { connecting, upgrading, opening, joining, ready, failed, closed };

  void fail(std::string_view what, const boost::system::error_code& ec = {});
  void begin_upgrade();
  void read_more();
  void on_bytes();
  bool on_upgrade_response();
  bool parse_frames();
  void on_text(std::string_view text);
  void append_frame(uint8_t opcode, std::string_view a, std::string_view b = {});
  void flush();

  tcp::socket socket_;
  asio::ssl::context* tls_context_;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;  // over socket_, when tls_context_ is set
  ConnHandler& handler_;
  std::size_t index_;
  State state_ = State::connecting;
  std::vector<char> in_;
  std::size_t in_len_ = 0;
  std::string out_;      // frames waiting for the next write
  std::string writing_;  // the write in flight
  bool write_in_flight_ = false;
  bool dispatching_ = false;  // inside parse_frames: writes wait for the end of the batch
  uint64_t frames_in_ = 0;
  uint32_t mask_seed_;
};

}  // namespace soket::bench
