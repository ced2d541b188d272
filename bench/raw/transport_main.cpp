// bench-raw-transport-server: the app of bench-raw-server (fixed_texts.hpp) on soket's own HTTP
// server and WebSocket layer (engineio::WebSocketTransport: Beast handshake, hand-written frames,
// one shared read buffer, gathered non-blocking writes) with no Engine.IO or Socket.IO work. The
// difference between soket and this server is what the protocols cost; its throughput is the
// generator's ceiling with the fastest transport we have.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fixed_texts.hpp"
#include "soket/engineio/websocket_transport.hpp"
#include "soket/http/server.hpp"
#include "soket/net/endpoint.hpp"

namespace {

using soket::engineio::Frame;
using soket::engineio::WebSocketTransport;

class Session;
struct Hub {
  std::unordered_set<Session*> all;
  std::unordered_map<std::string, std::unordered_set<Session*>> rooms;
};

class Session final : public soket::engineio::WebSocketOwner {
 public:
  Session(std::shared_ptr<WebSocketTransport> ws, Hub& hub) : ws_(std::move(ws)), hub_(hub) {
    hub_.all.insert(this);
    ws_->set_owner(this);
    send(std::make_shared<const std::string>(
        "0{\"sid\":\"raw\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,"
        "\"maxPayload\":1000000}"));
    ws_->start_reading();
  }

  void send(std::shared_ptr<const std::string> text) {
    if (!ws_->send(Frame{std::move(text), false})) ws_->abort();
  }

 private:
  void on_ws_frame(WebSocketTransport&, std::string_view data, bool binary) override {
    if (!binary) answer_fixed_text(*this, hub_, rooms_, data);
  }

  void on_ws_closed(WebSocketTransport&, soket::net::error_code) override {
    hub_.all.erase(this);
    for (const auto& room : rooms_)
      if (auto it = hub_.rooms.find(room); it != hub_.rooms.end()) it->second.erase(this);
    delete this;
  }

  std::shared_ptr<WebSocketTransport> ws_;
  Hub& hub_;
  std::vector<std::string> rooms_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  uint16_t port = 3000;
  CLI::App app{"bench-raw-transport-server: the raw baseline on soket's WebSocket layer"};
  app.add_option("--host", host)->capture_default_str();
  app.add_option("--port", port)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto endpoint = soket::net::make_endpoint(host, port);
  if (!endpoint) {
    std::fprintf(stderr, "not an IP address: %s\n", host.c_str());
    return 2;
  }
  soket::net::asio::io_context io(1);
  Hub hub;
  auto http = soket::http::Server::create(io);
  http->router().add_prefix("/", [&hub](const soket::http::ExchangePtr& exchange) {
    if (!exchange->is_websocket_upgrade()) {
      exchange->respond(soket::http::text_response(
          exchange->request(), soket::http::Status::bad_request, "WebSocket only"));
      return;
    }
    WebSocketTransport::Limits limits{1'000'000, 16 * 1024 * 1024};
    WebSocketTransport::accept(
        exchange->release_stream(), exchange->request(), limits, {},
        [exchange, &hub](soket::net::error_code ec, std::shared_ptr<WebSocketTransport> ws) {
          if (!ec) new Session(std::move(ws), hub);
        });
  });
  try {
    auto bound = http->listen(*endpoint);
    std::printf("listening on http://%s:%u\n", host.c_str(), bound.port());
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot listen on %s:%u: %s\n", host.c_str(), port, e.what());
    return 1;
  }
  io.run();
}
