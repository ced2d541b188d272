// bench-server: the benchmark app on soket. The same contract as bench/node/server.mjs:
//   echo (with an ack)  -> ack with the same arguments
//   bcast ...args       -> io.emit("msg", ...args)
//   join <room>         -> socket.join(room)
//   room {room, ...}    -> io.to(room).emit("msg", data)
// Port from --port, else the PORT environment variable, else 3000. --threads N runs N shards (one
// io thread each, SO_REUSEPORT on one port, broadcasts crossing shards via ShardAdapter); the
// default 1 is one io_context on the main thread with the in-memory adapter. With N > 1 only the
// WebSocket transport is served (see ShardGroup). --redis joins a cluster through Redis (each
// shard is then a node of it).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "soket/cluster/redis_link.hpp"
#include "soket/net/endpoint.hpp"
#include "soket/net/tls.hpp"
#include "soket/socketio/shard_group.hpp"
#include "soket/socketio/socket.hpp"
#include "soket/util/log.hpp"

using namespace soket::socketio;

namespace {

uint16_t default_port() {
  const char* env = std::getenv("PORT");
  if (!env) return 3000;
  char* end = nullptr;
  long port = std::strtol(env, &end, 10);
  if (*end != '\0' || port < 1 || port > 65535) return 3000;
  return static_cast<uint16_t>(port);
}

void setup(Server& io) {
  io.on_connection([&io](Socket& socket) {
    socket.on("echo", [](Socket&, Message& message, Ack& ack) { ack(std::move(message)); });
    socket.on("bcast", [&io](Socket&, Message& message, Ack&) {
      io.main().emit_message("msg", std::move(message));
    });
    socket.on("join", [](Socket& s, Message& message, Ack&) {
      auto room = message.string_at(0);
      if (!room.empty()) s.join(std::string(room));
    });
    socket.on("room", [&io](Socket&, Message& message, Ack&) {
      if (message.args.empty() || !message.args[0].is_object()) return;
      const auto* room = message.args[0].get_object().if_contains("room");
      if (!room || !room->is_string()) return;
      std::string name(room->get_string());
      Message data;
      data.args.push_back(std::move(message.args[0]));
      data.attachments = std::move(message.attachments);
      io.to(std::move(name)).emit_message("msg", std::move(data));
    });
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  uint16_t port = default_port();
  std::size_t threads = 1;
  std::string log_level = "info";
  CLI::App app{"bench-server: the soket benchmark app"};
  app.add_option("--host", host, "Address to listen on")->capture_default_str();
  app.add_option("--port", port, "TCP port to listen on")->capture_default_str();
  app.add_option("--threads", threads, "io threads (shards)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  std::string redis_url;
  app.add_option("--redis", redis_url,
                 "Join a cluster through Redis (redis://host:port); each io thread is a node");
  bool sharded = false;
  app.add_flag("--sharded", sharded, "Redis 7 sharded pub/sub (as createShardedAdapter)");
  std::string redis_adapter = "pubsub";
  app.add_option("--redis-adapter", redis_adapter,
                 "pubsub (@socket.io/redis-adapter) or streams (@socket.io/redis-streams-adapter)")
      ->capture_default_str()
      ->check(CLI::IsMember({"pubsub", "streams"}));
  soket::net::TlsOptions tls_options;
  app.add_option("--tls-cert", tls_options.cert_file,
                 "Speak TLS (https://, wss://) with this PEM certificate; needs --tls-key");
  app.add_option("--tls-key", tls_options.key_file, "The PEM private key of --tls-cert");
  CLI11_PARSE(app, argc, argv);
  soket::net::TlsContextPtr tls;
  if (tls_options.enabled()) {
    try {
      tls = soket::net::TlsContext::load(tls_options);
    } catch (const soket::net::TlsError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }
  if (!soket::log::init(log_level)) {
    std::fprintf(stderr, "unknown log level: %s\n", log_level.c_str());
    return 2;
  }
  auto endpoint = soket::net::make_endpoint(host, port);
  if (!endpoint) {
    std::fprintf(stderr, "not an IP address: %s\n", host.c_str());
    return 2;
  }

  std::optional<soket::cluster::RedisUrl> redis;
  if (!redis_url.empty()) {
    std::string error;
    redis = soket::cluster::RedisUrl::parse(redis_url, &error);
    if (!redis) {
      std::fprintf(stderr, "--redis: %s\n", error.c_str());
      return 2;
    }
  }
  std::vector<std::shared_ptr<soket::cluster::RedisLink>> links;
  ShardGroup::AdapterMaker maker;
  if (redis) {
    maker = [&](soket::net::asio::io_context& io) {
      soket::cluster::RedisAdapterOptions options;
      options.sharded = sharded;
      if (redis_adapter == "streams") options.kind = soket::cluster::RedisAdapterKind::streams;
      auto link = soket::cluster::RedisLink::create(io, *redis, options);
      link->start();
      links.push_back(link);
      return link->adapter_factory();
    };
  }
  ShardGroup group(threads, {}, {}, maker);
  for (std::size_t i = 0; i < group.size(); ++i) {
    setup(group.server(i));
    group.server(i).attach(group.http(i));
  }
  try {
    auto bound = group.listen(*endpoint, tls);
    std::printf("listening on %s://%s:%u\n", tls ? "https" : "http",
                bound.address().to_string().c_str(), static_cast<unsigned>(bound.port()));
    if (threads > 1) std::printf("%zu io threads (shards)\n", threads);
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot listen on %s:%u: %s\n", host.c_str(), static_cast<unsigned>(port),
                 e.what());
    return 1;
  }
  group.stop_on_signals();
  group.run();
  // The links (and their timers) must go before the group's io_contexts: the adapters hold the
  // last references and release them with the group's servers, while the io_contexts still exist.
  for (auto& link : links)
    link->stop();
  links.clear();
  return 0;
}
