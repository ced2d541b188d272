// The broadcast path without the network: io.emit() encodes once and the adapter hands the same
// frames to N sockets. The sockets are real Socket.IO sockets on Engine.IO sessions that were
// never given a transport, so what is sent stays in their (long-polling) buffers: this measures
// encode + adapter + per-socket queuing, not the WebSocket writes. The same for the inbound echo
// path: decode, dispatch to the handler, encode the ack and queue it.
#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>

#include "soket/socketio/client.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"

using namespace soket;

namespace {

struct InMemoryServer {
  net::asio::io_context io{1};
  socketio::Server server;
  std::vector<std::shared_ptr<engineio::Socket>> sessions;
  std::vector<std::shared_ptr<socketio::Client>> clients;

  explicit InMemoryServer(std::size_t n, socketio::ServerOptions options = {})
      : server(io, std::move(options)) {
    server.on_connection([this](socketio::Socket& socket) {
      socket.on("echo", [](socketio::Socket&, socketio::Message& m, socketio::Ack& ack) {
        ack(std::move(m));
      });
      socket.on("bcast", [this](socketio::Socket&, socketio::Message& m, socketio::Ack&) {
        server.main().emit_message("msg", std::move(m));
      });
    });
    for (std::size_t i = 0; i < n; ++i) {
      auto session = std::make_shared<engineio::Socket>(server.engine(), "s" + std::to_string(i),
                                                        engineio::Handshake{});
      auto client = std::make_shared<socketio::Client>(server, session);
      client->start();
      deliver(*client, "0");  // CONNECT to "/"
      sessions.push_back(std::move(session));
      clients.push_back(std::move(client));
    }
  }
  ~InMemoryServer() {
    for (auto& session : sessions)
      session->close();
  }

  static void deliver(socketio::Client& client, std::string_view text) {
    static_cast<engineio::SocketListener&>(client).on_message(text, false);
  }
};

// Iterations are fixed: the sessions keep what they are sent (16 MiB each at most).
void BM_Broadcast(benchmark::State& state) {
  InMemoryServer s(static_cast<std::size_t>(state.range(0)));
  if (s.server.main().sockets().size() != static_cast<std::size_t>(state.range(0)))
    state.SkipWithError("sockets did not connect");
  auto data = boost::json::parse(R"({"s":12,"t":123456789012,"p":"xxxxxxxxxxxxxxxx"})");
  for (auto _ : state) {
    socketio::Message message;
    message.args.push_back(data);
    s.server.main().emit_message("msg", std::move(message));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["ns_per_delivery"] =
      benchmark::Counter(static_cast<double>(state.iterations() * state.range(0)),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Broadcast)->Arg(10)->Iterations(100000);
BENCHMARK(BM_Broadcast)->Arg(100)->Iterations(20000);
BENCHMARK(BM_Broadcast)->Arg(1000)->Iterations(2000);

// The same with connection state recovery on: each broadcast also gets an offset and is kept.
void BM_BroadcastWithRecovery(benchmark::State& state) {
  socketio::ServerOptions options;
  options.connection_state_recovery = socketio::ConnectionStateRecoveryOptions{};
  InMemoryServer s(static_cast<std::size_t>(state.range(0)), std::move(options));
  if (s.server.main().sockets().size() != static_cast<std::size_t>(state.range(0)))
    state.SkipWithError("sockets did not connect");
  auto data = boost::json::parse(R"({"s":12,"t":123456789012,"p":"xxxxxxxxxxxxxxxx"})");
  for (auto _ : state) {
    socketio::Message message;
    message.args.push_back(data);
    s.server.main().emit_message("msg", std::move(message));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BroadcastWithRecovery)->Arg(10)->Iterations(100000);
BENCHMARK(BM_BroadcastWithRecovery)->Arg(100)->Iterations(20000);

// One inbound event from a client to the server's answer queued: the whole per-message work of
// the echo scenario except the socket reads and writes.
void BM_InboundEchoWithAck(benchmark::State& state) {
  InMemoryServer s(1);
  auto& client = *s.clients.front();
  const std::string text = R"(21234["echo","xxxxxxxxxxxxxxxx"])";
  for (auto _ : state)
    InMemoryServer::deliver(client, text);
}
BENCHMARK(BM_InboundEchoWithAck)->Iterations(200000);

void BM_InboundBroadcastTo100(benchmark::State& state) {
  InMemoryServer s(100);
  auto& client = *s.clients.front();
  const std::string text = R"(2["bcast",{"s":12,"t":123456789012,"p":"xxxxxxxxxxxxxxxx"}])";
  for (auto _ : state)
    InMemoryServer::deliver(client, text);
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_InboundBroadcastTo100)->Iterations(20000);

}  // namespace
