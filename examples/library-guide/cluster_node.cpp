// One node of a cluster, from docs/library.md: Socket.IO servers in several processes (or next to
// Node socket.io servers with @socket.io/redis-adapter) share rooms and broadcasts through Redis.
// Usage: library-guide-cluster PORT REDIS_URL NODE_NAME (127.0.0.1). docs.library_guide runs two.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include "soket/cluster/redis_link.hpp"
#include "soket/cluster/redis_url.hpp"
#include "soket/http/server.hpp"
#include "soket/net/endpoint.hpp"
#include "soket/socketio/remote_socket.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"

using namespace soket::socketio;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s PORT REDIS_URL NODE_NAME\n", argv[0]);
    return 2;
  }
  const auto port = static_cast<uint16_t>(std::stoi(argv[1]));
  const std::string node = argv[3];
  boost::asio::io_context context(1);

  // The adapter: every namespace of this server talks to the other nodes through Redis.
  std::string error;
  auto url = soket::cluster::RedisUrl::parse(argv[2], &error);
  if (!url) {
    std::fprintf(stderr, "%s: %s\n", argv[2], error.c_str());
    return 2;
  }
  auto redis = soket::cluster::RedisLink::create(context, *url);
  redis->start();
  ServerOptions options;
  options.adapter = redis->adapter_factory();
  Server io(context, options);

  io.on_connection([&io, node](Socket& socket) {
    socket.join("everyone");
    // shout <text>: to every client of every node in room "everyone".
    socket.on("shout", [&io](Socket&, Message& m, Ack& ack) {
      io.to("everyone").emit("shouted", std::string(m.string_at(0)));
      ack.send(true);
    });
    // census: the sockets of the whole cluster, and the answers of the other nodes.
    socket.on("census", [&io](Socket&, Message&, Ack& ack) {
      io.fetch_sockets(
          [&io, ack](std::optional<std::string> error, std::vector<RemoteSocket> sockets) mutable {
            if (error) return ack.send(boost::json::object{{"error", *error}});
            auto count = sockets.size();
            io.server_side_emit_with_ack(
                "who-are-you", make_message(),
                [ack, count](std::optional<std::string> error, Message& replies) mutable {
                  if (error) return ack.send(boost::json::object{{"error", *error}});
                  ack.send(boost::json::object{{"sockets", count}, {"nodes", replies.args}});
                });
          });
    });
  });
  // Server-side events between nodes (Node's io.serverSideEmit / io.on("...")).
  io.on_server_side("who-are-you", [node](Message&, const ServerSideReply& reply) {
    if (reply) reply(make_message(node));
  });

  auto http = soket::http::Server::create(context);
  io.attach(*http);
  auto bound = http->listen(*soket::net::make_endpoint("127.0.0.1", port));
  std::printf("%s: listening on http://127.0.0.1:%u\n", node.c_str(),
              static_cast<unsigned>(bound.port()));
  std::fflush(stdout);

  boost::asio::signal_set signals(context, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    io.close();
    http->stop();
    redis->stop();
  });
  context.run();
  return 0;
}
