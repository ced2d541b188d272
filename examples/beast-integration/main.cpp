// A plain Boost.Beast HTTP server -- the application's own, with its own routes -- that hands the
// requests for /socket.io/ over to soket on the same port (docs/integration.md).
//
//   beast-integration --port 3000
//   GET /hello        answered by the application
//   /socket.io/...    Socket.IO (polling and WebSocket): "echo" acks its arguments back,
//                     "message" is broadcast to everyone
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "soket/http/server.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Request = bhttp::request<bhttp::string_body>;

namespace {

/// One connection of the application's own server: reads requests, answers its routes, and hands
/// the connection to soket for a Socket.IO request (soket hands it back for the application's
/// routes when a keep-alive connection comes back to them).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(beast::tcp_stream stream, beast::flat_buffer buffer,
          std::shared_ptr<soket::http::Server> socketio_http)
      : stream_(std::move(stream)),
        buffer_(std::move(buffer)),
        socketio_http_(std::move(socketio_http)) {}

  void read() {
    parser_.emplace();
    parser_->body_limit(1024 * 1024);  // at least Engine.IO's max_http_buffer_size (1 MB)
    stream_.expires_after(std::chrono::seconds(30));
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->handle(self->parser_->release());
                      });
  }

  void handle(Request request) {
    if (std::string_view(request.target()).starts_with("/socket.io/")) {
      // soket takes the connection from here on; it gives it back for a request of ours.
      socketio_http_->adopt(
          std::move(stream_), std::move(request), std::move(buffer_),
          [http = socketio_http_](beast::tcp_stream stream, Request next, beast::flat_buffer rest) {
            std::make_shared<Session>(std::move(stream), std::move(rest), http)
                ->handle(std::move(next));
          });
      return;
    }
    auto response = std::make_shared<bhttp::response<bhttp::string_body>>();
    response->version(request.version());
    response->keep_alive(request.keep_alive());
    response->set(bhttp::field::content_type, "text/plain");
    if (request.method() == bhttp::verb::get && request.target() == "/hello") {
      response->result(bhttp::status::ok);
      response->body() = "hello from the application's own Beast server\n";
    } else {
      response->result(bhttp::status::not_found);
      response->body() = "not found\n";
    }
    response->prepare_payload();
    bhttp::async_write(stream_, *response,
                       [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                         if (ec || !response->keep_alive()) return self->close();
                         self->read();
                       });
  }

 private:
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<soket::http::Server> socketio_http_;
};

void accept(tcp::acceptor& acceptor, const std::shared_ptr<soket::http::Server>& socketio_http) {
  acceptor.async_accept([&acceptor, socketio_http](beast::error_code ec, tcp::socket socket) {
    if (ec) return;  // closed
    std::make_shared<Session>(beast::tcp_stream(std::move(socket)), beast::flat_buffer(),
                              socketio_http)
        ->read();
    accept(acceptor, socketio_http);
  });
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 3000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string_view(argv[i]) == "--port") {
      port = static_cast<unsigned short>(std::strtoul(argv[i + 1], nullptr, 10));
    } else {
      std::fprintf(stderr, "usage: %s [--port P]\n", argv[0]);
      return 2;
    }
  }
  asio::io_context io;

  // soket's HTTP server without a listener of its own: it serves what the application hands it.
  auto socketio_http = soket::http::Server::create(io);
  soket::socketio::Server sio(io);
  sio.attach(*socketio_http);
  sio.on_connection([&sio](soket::socketio::Socket& socket) {
    socket.on("echo", [](soket::socketio::Socket&, soket::socketio::Message& message,
                         soket::socketio::Ack& ack) { ack(std::move(message)); });
    socket.on("message", [&sio](soket::socketio::Socket&, soket::socketio::Message& message,
                                soket::socketio::Ack&) {
      sio.main().emit_message("message", std::move(message));
    });
  });

  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  accept(acceptor, socketio_http);
  std::printf("listening on http://127.0.0.1:%u\n",
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    acceptor.close();
    sio.close();
    socketio_http->stop();
    io.stop();
  });
  io.run();
  return 0;
}
