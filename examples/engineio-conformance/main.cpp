// The Engine.IO server that the official test-suite of socketio/engine.io-protocol expects:
// pingInterval 300, pingTimeout 200, maxPayload 1e6, CORS "*", every message echoed back.
// --ping-interval-ms / --ping-timeout-ms change the heartbeat for tests that need time (sanitizer
// builds posting megabytes); --initial-packet sets Node's initialPacket.
#include <CLI/CLI.hpp>

#include "../common/example_main.hpp"
#include "soket/engineio/server.hpp"

namespace {

class Echo final : public soket::engineio::SocketListener {
 public:
  explicit Echo(std::shared_ptr<soket::engineio::Socket> socket) : socket_(std::move(socket)) {}
  void on_message(std::string_view data, bool binary) override {
    socket_->send(binary ? soket::engineio::Frame::binary_message(data)
                         : soket::engineio::Frame::message(data));
  }
  void on_close(std::string_view) override { delete this; }

 private:
  std::shared_ptr<soket::engineio::Socket> socket_;
};

}  // namespace

int main(int argc, char** argv) {
  soket::net::asio::io_context context(1);  // outlives everything below
  std::unique_ptr<soket::engineio::Server> engine;
  int ping_interval_ms = 300;
  int ping_timeout_ms = 200;
  soket::engineio::PerMessageDeflateOptions deflate;
  bool allow_eio3 = false;
  std::string initial_packet;
  bool no_http_compression = false;
  return soket::examples::run_example(
      context, argc, argv, "Engine.IO conformance server", 3000,
      [&](soket::net::asio::io_context& io, soket::http::Server& http) {
        soket::engineio::ServerOptions options;
        options.ping_interval = std::chrono::milliseconds(ping_interval_ms);
        options.ping_timeout = std::chrono::milliseconds(ping_timeout_ms);
        options.max_payload = 1'000'000;
        options.allow_eio3 = allow_eio3;
        if (!initial_packet.empty()) options.initial_packet = initial_packet;
        options.cors.enabled = true;
        options.cors.origins = {"*"};
        options.per_message_deflate = deflate;
        options.http_compression.enabled = !no_http_compression;
        engine = std::make_unique<soket::engineio::Server>(io, options);
        engine->on_connection([](const std::shared_ptr<soket::engineio::Socket>& socket) {
          socket->set_listener(new Echo(socket));
        });
        engine->attach(http);
      },
      [&] { engine->close(); },
      [&](CLI::App& app) {
        app.add_option("--ping-interval-ms", ping_interval_ms, "Engine.IO pingInterval")
            ->capture_default_str()
            ->check(CLI::Range(10, 600000));
        app.add_option("--ping-timeout-ms", ping_timeout_ms, "Engine.IO pingTimeout")
            ->capture_default_str()
            ->check(CLI::Range(10, 600000));
        app.add_flag("--per-message-deflate", deflate.enabled,
                     "Agree permessage-deflate (RFC 7692) when the client offers it");
        app.add_option("--deflate-threshold", deflate.threshold,
                       "Smallest message that is compressed")
            ->capture_default_str();
        app.add_flag("--server-no-context-takeover", deflate.server_no_context_takeover,
                     "Always ask for server_no_context_takeover");
        app.add_option("--server-max-window-bits", deflate.server_max_window_bits,
                       "Largest window of the server's compressor")
            ->capture_default_str()
            ->check(CLI::Range(9, 15));
        app.add_flag("--allow-eio3", allow_eio3, "Also serve Engine.IO v3 clients (allowEIO3)");
        app.add_option("--initial-packet", initial_packet,
                       "A message sent to each new session after its open packet (initialPacket)");
        app.add_flag("--no-http-compression", no_http_compression,
                     "Never gzip/deflate long-polling responses (httpCompression off)");
      });
}
