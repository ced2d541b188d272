// A minimal blocking Socket.IO client over WebSocket for unit tests, with a deadline on every read.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "soket/net/asio.hpp"

namespace soket::socketio::test {

class WsClient {
 public:
  /// Connects to namespace `nsp` with the JSON `auth` payload (none when empty); throws when the
  /// server refuses.
  WsClient(net::asio::io_context& io, uint16_t port, std::string_view nsp = "/",
           std::string_view auth = "")
      : io_(io), ws_(io) {
    boost::beast::get_lowest_layer(ws_).connect(
        net::tcp::endpoint(net::asio::ip::make_address("127.0.0.1"), port));
    ws_.handshake("127.0.0.1", "/socket.io/?EIO=4&transport=websocket");
    ws_.text(true);
    auto open = read();
    if (open.empty() || open[0] != '0') throw std::runtime_error("no open packet: " + open);
    if (nsp != "/") nsp_prefix_ = std::string(nsp) + ",";
    std::string prefix = "40" + nsp_prefix_;
    send(prefix + std::string(auth));
    auto connect = read();
    // Events before the CONNECT answer: the packets a recovered session missed.
    while (connect.starts_with("42" + nsp_prefix_) || connect.starts_with("45")) {
      before_connect_.push_back(connect);
      connect = read();
    }
    if (!connect.starts_with(prefix) || connect.size() == prefix.size())
      throw std::runtime_error("no connect packet: " + connect);
    connect_payload_ = boost::json::parse(connect.substr(prefix.size())).as_object();
    sid_ = connect_payload_.at("sid").as_string();
  }

  const std::string& sid() const { return sid_; }
  /// The CONNECT answer's payload ({"sid": ...}, and "pid" with connection state recovery).
  const boost::json::object& connect_payload() const { return connect_payload_; }
  /// The packets received before the CONNECT answer, as text.
  const std::vector<std::string>& before_connect() const { return before_connect_; }

  void send(std::string_view text) { ws_.write(net::asio::buffer(text)); }
  void emit(std::string_view args) { send("42" + nsp_prefix_ + std::string(args)); }

  // Emits with an ack and returns the ack's arguments.
  boost::json::array call(std::string_view args) {
    auto id = std::to_string(++ack_id_);
    send("42" + nsp_prefix_ + id + std::string(args));
    auto reply = read();
    auto expected = "43" + nsp_prefix_ + id;
    if (!reply.starts_with(expected)) throw std::runtime_error("expected ack: " + reply);
    return boost::json::parse(reply.substr(expected.size())).as_array();
  }

  // The next Engine.IO packet as text ("42[...]", "41"); answers Engine.IO pings on the way.
  std::string read() {
    for (;;) {
      boost::beast::flat_buffer buffer;
      boost::beast::error_code result;
      bool done = false;
      boost::beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(5));
      ws_.async_read(buffer, [&](boost::beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
      });
      io_.restart();
      while (!done)
        io_.run_one();
      if (result) return "error: " + result.message();
      auto text = boost::beast::buffers_to_string(buffer.data());
      if (text == "2") {
        send("3");
        continue;
      }
      return text;
    }
  }

 private:
  net::asio::io_context& io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::string sid_;
  boost::json::object connect_payload_;
  std::vector<std::string> before_connect_;
  std::string nsp_prefix_;  // "/chat," in packets of a namespace other than "/"
  int ack_id_ = 0;
};

}  // namespace soket::socketio::test
