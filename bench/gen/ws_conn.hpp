#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "conn.hpp"

namespace soket::bench {

/// A lean Socket.IO-over-WebSocket client connection: TCP connect (then a TLS handshake when
/// given a context), HTTP upgrade, Engine.IO open, Socket.IO CONNECT, then masked text frames out
/// and unmasked frames in. Pings are answered here. Writes queued during one handler call go out
/// in one write.
class WsConn final : public Conn {
 public:
  WsConn(asio::io_context& io, ConnHandler& handler, std::size_t index,
         asio::ssl::context* tls = nullptr);

  void start(const tcp::endpoint& server, const asio::ip::address& source,
             std::string path) override;
  void send_packet(std::string_view packet) override;
  void send_engineio(std::string_view text) override;
  void close() override;

 private:
  void fail(std::string_view what, const boost::system::error_code& ec = {}) override;
  void queue_text(std::string_view a, std::string_view b = {}) override;
  void begin_upgrade();
  void read_more();
  void on_bytes();
  bool on_upgrade_response();
  bool parse_frames();
  void append_frame(uint8_t opcode, std::string_view a, std::string_view b = {});
  void flush();

  tcp::socket socket_;
  asio::ssl::context* tls_context_;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;  // over socket_, when tls_context_ is set
  std::vector<char> in_;
  std::size_t in_len_ = 0;
  std::string out_;      // frames waiting for the next write
  std::string writing_;  // the write in flight
  bool write_in_flight_ = false;
  bool dispatching_ = false;  // inside parse_frames: writes wait for the end of the batch
  uint32_t mask_seed_;
};

}  // namespace soket::bench
