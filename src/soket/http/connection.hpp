#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "soket/http/exchange.hpp"

namespace soket::http {

class Server;

/// One HTTP/1.1 connection: reads requests one after another (keep-alive), hands each to the
/// router, writes the answer, and notices when the client goes away while an answer is pending.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::tcp::socket socket, std::shared_ptr<Server> server);
  /// A connection another HTTP server accepted and read a first request from (Server::adopt).
  Connection(beast::tcp_stream stream, beast::flat_buffer buffer, std::shared_ptr<Server> server,
             std::function<void(beast::tcp_stream, Request, beast::flat_buffer)> hand_back);
  ~Connection();

  void start();
  /// Serves `request` (already read), then reads on.
  void start_with(Request request);
  void close();

 private:
  friend class Exchange;

  void read_request();
  void on_read(beast::error_code ec);
  void dispatch(Request request);
  void send(Response response);
  void on_write(bool keep_alive, beast::error_code ec);
  void watch_for_close();
  void reject(Status status, int code, std::string_view message);

  beast::tcp_stream stream_;
  std::shared_ptr<Server> server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Exchange> current_;
  net::tcp::endpoint remote_;
  bool writing_ = false;
  bool watching_ = false;
  bool released_ = false;
  bool closed_ = false;
  // Adopted connections: where a request for none of this server's routes goes.
  std::function<void(beast::tcp_stream, Request, beast::flat_buffer)> hand_back_;
};

}  // namespace soket::http
