// The Socket.IO server that the official test-suite of socketio/socket.io-protocol expects (see its
// README): pingInterval 300, pingTimeout 200, maxPayload 1e6, connectTimeout 1000, CORS "*".
#include "../common/example_main.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"

using namespace soket::socketio;

int main(int argc, char** argv) {
  soket::net::asio::io_context context(1);  // outlives everything below
  std::unique_ptr<Server> io;
  Parser parser = Parser::json;
  return soket::examples::run_example(
      context, argc, argv, "Socket.IO conformance server", 3000,
      [&](soket::net::asio::io_context& context, soket::http::Server& http) {
        ServerOptions options;
        options.engine.ping_interval = std::chrono::milliseconds(300);
        options.engine.ping_timeout = std::chrono::milliseconds(200);
        options.engine.max_payload = 1'000'000;
        options.engine.cors.enabled = true;
        options.engine.cors.origins = {"*"};
        options.connect_timeout = std::chrono::milliseconds(1000);
        options.parser = parser;
        io = std::make_unique<Server>(context, options);

        io->on_connection([](Socket& socket) {
          socket.emit("auth", socket.auth());
          socket.on("message", [](Socket& s, Message& message, Ack&) {
            s.emit_message("message-back", std::move(message));
          });
          socket.on("message-with-ack",
                    [](Socket&, Message& message, Ack& ack) { ack(std::move(message)); });
        });
        io->of("/custom").on_connection([](Socket& socket) { socket.emit("auth", socket.auth()); });
        io->attach(http);
      },
      [&] { io->close(); },
      [&](CLI::App& cli) { soket::examples::add_parser_option(cli, parser); });
}
