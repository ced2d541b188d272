#pragma once

#include <boost/asio/io_context.hpp>

#include "conn.hpp"

namespace soket::bench {

/// A Socket.IO client over HTTP long-polling, as a browser does it when WebSocket is blocked: one
/// keep-alive connection always holds a GET (the server answers it when it has packets), a second
/// one POSTs what the client sends, one POST at a time, packets queued meanwhile going out
/// together in the next one (joined with the record separator, Engine.IO v4). Pings are answered.
class PollConn final : public Conn {
 public:
  PollConn(asio::io_context& io, ConnHandler& handler, std::size_t index);

  /// `path` may name transport=websocket: it is changed to polling.
  void start(const tcp::endpoint& server, const asio::ip::address& source,
             std::string path) override;
  void send_packet(std::string_view packet) override;
  void send_engineio(std::string_view text) override;
  void close() override;

 private:
  /// One keep-alive HTTP/1.1 connection with one request at a time.
  struct Http {
    explicit Http(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    std::string request;
    std::vector<char> in = std::vector<char>(4096);
    std::size_t in_len = 0;
    bool busy = false;
  };
  using OnBody = void (PollConn::*)(std::string_view body);

  void fail(std::string_view what, const boost::system::error_code& ec = {}) override;
  void queue_text(std::string_view a, std::string_view b = {}) override;
  void open_socket(Http& http, const char* what);
  void send_request(Http& http, OnBody on_body);
  void read_response(Http& http, OnBody on_body);
  /// Hands a complete response in http.in to on_body; false while it is incomplete (true also
  /// when the connection failed).
  bool take_response(Http& http, OnBody on_body);
  void on_handshake(std::string_view body);
  void on_poll(std::string_view body);
  void on_posted(std::string_view body);
  void poll();
  void flush();

  tcp::endpoint server_;
  asio::ip::address source_;
  std::string path_;  // with transport=polling, then &sid=...
  Http get_;
  Http post_;
  bool post_connected_ = false;
  std::string queued_;  // Engine.IO packets for the next POST, separated by \x1e
  bool dispatching_ = false;
};

}  // namespace soket::bench
