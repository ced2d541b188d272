// soket-bench: a single-threaded Socket.IO load generator (WebSocket or HTTP long-polling). Prints
// a readable summary on stderr and one JSON line on stdout per run.
#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <iostream>

#include "scenario.hpp"

using namespace soket::bench;

namespace {

void print_summary(const boost::json::object& r) {
  std::string line;
  for (const auto& [key, value] : r) {
    if (key == "curve") continue;
    line += std::string(key) + "=" + boost::json::serialize(value) + " ";
  }
  std::cerr << line << "\n";
  if (const auto* curve = r.if_contains("curve")) {
    for (const auto& point : curve->as_array())
      std::cerr << "  " << boost::json::serialize(point) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "soket-bench: Socket.IO load generator (echo, broadcast, room, conns) and hub device load "
      "(devices)"};
  app.add_option("scenario", o.scenario, "echo, broadcast, room, conns, devices or hold")
      ->required()
      ->check(CLI::IsMember({"echo", "broadcast", "room", "conns", "devices", "hold"}));
  auto* port = app.add_option("--port", o.port, "server port");
  auto* ports = app.add_option("--ports", o.ports,
                               "several servers (a cluster): connection i goes to the i-th port "
                               "round-robin; broadcast/room senders go to the first")
                    ->delimiter(',')
                    ->excludes(port);
  app.callback([&] {
    if (port->count() + ports->count() == 0) throw CLI::RequiredError("--port or --ports");
  });
  app.add_option("--host", o.host, "server address")->capture_default_str();
  app.add_option("--path", o.path, "request target of the WebSocket upgrade")
      ->capture_default_str();
  app.add_option("--label", o.label, "server name to put in the result");
  app.add_option("-c,--conns", o.conns, "connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("-k,--inflight", o.inflight,
                 "acks (echo), emits (fan-out) or readings (devices) in flight per connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--senders", o.senders, "broadcast/room: emitting connections")
      ->capture_default_str();
  app.add_option("--rooms", o.rooms, "room: rooms")->capture_default_str();
  app.add_option(
         "--rate", o.rate,
         "echo/devices: fixed total acks or readings per second (open loop); 0 = closed loop")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  app.add_option("--payload", o.payload, "filler bytes per message")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--warmup", o.warmup, "seconds before measuring")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("-d,--duration", o.duration, "seconds measured")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--sources", o.sources, "spread connections over 127.0.0.1..127.0.0.N")
      ->capture_default_str()
      ->check(CLI::Range(1, 250));
  app.add_option("--connect-rate", o.connect_rate,
                 "connections started per second (open loop: each handshake timed from when it "
                 "was due); 0 = keep --handshake-concurrency in flight")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--handshake-concurrency", o.handshake_concurrency,
                 "connections being opened at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--steps", o.steps, "conns: connection counts where memory is sampled")
      ->delimiter(',');
  app.add_option("--settle", o.settle, "conns: seconds before sampling memory")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--server-pid", o.server_pids,
                 "server process(es), for CPU time (summed) and memory (of the first)")
      ->delimiter(',');
  app.add_option("--aux-pid", o.aux_pids,
                 "other process(es) whose CPU time is reported apart (aux_cpu), e.g. redis-server")
      ->delimiter(',');
  app.add_option("--db", o.db,
                 "devices: the hub's SQLite database, read after the run to count stored readings");
  app.add_flag("--tls", o.tls,
               "echo, broadcast, room, conns: connect with TLS (wss://), certificate not checked");
  app.add_option("--transport", o.transport,
                 "echo, broadcast, room, conns: websocket, polling (HTTP long-polling) or mixed "
                 "(every other connection polls)")
      ->capture_default_str()
      ->check(CLI::IsMember({"websocket", "polling", "mixed"}));
  app.add_option("--ready-file", o.ready_file,
                 "hold: file written with the number of ready connections once all are open");
  app.add_option("--go-file", o.go_file,
                 "hold with --senders 1: emit one broadcast once this file exists");
  CLI11_PARSE(app, argc, argv);
  if (o.tls && o.transport != "websocket") {
    std::cerr << "--tls: WebSocket connections only\n";
    return 2;
  }
  if (!o.server_pids.empty()) o.server_pid = o.server_pids.front();
  if (!o.ports.empty()) o.port = o.ports.front();

  boost::asio::io_context io(1);
  std::unique_ptr<Scenario> scenario;
  if (o.scenario == "echo") scenario = make_echo(io, o);
  if (o.scenario == "broadcast") scenario = make_fanout(io, o, false);
  if (o.scenario == "room") scenario = make_fanout(io, o, true);
  if (o.scenario == "conns") scenario = make_conns(io, o);
  if (o.scenario == "devices") scenario = make_devices(io, o);
  if (o.scenario == "hold") scenario = make_hold(io, o);
  auto result = scenario->run();
  print_summary(result);
  std::cout << boost::json::serialize(result) << std::endl;
  return result.contains("error") ? 1 : 0;
}
