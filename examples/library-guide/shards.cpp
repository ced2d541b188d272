// A server on every core, from docs/library.md: N shards (an io_context, a thread, an HTTP and a
// Socket.IO server each) on one port; rooms and broadcasts span the shards.
// Usage: library-guide-shards [PORT] [THREADS] (127.0.0.1; default 3000 and the core count).
#include <boost/json.hpp>

#include <cstdio>
#include <string>
#include <thread>

#include "soket/net/endpoint.hpp"
#include "soket/socketio/shard_group.hpp"
#include "soket/socketio/socket.hpp"

using namespace soket::socketio;

int main(int argc, char** argv) {
  const auto port = static_cast<uint16_t>(argc > 1 ? std::stoi(argv[1]) : 3000);
  const std::size_t threads = argc > 2 ? std::stoul(argv[2]) : std::thread::hardware_concurrency();

  ShardGroup shards(threads);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    Server& io = shards.server(i);  // set each shard up the same way, before run()
    io.on_connection([&io, i](Socket& socket) {
      socket.join("lobby");
      socket.emit("shard", i);
      socket.on("shout", [&io](Socket&, Message& m, Ack& ack) {
        io.to("lobby").emit("shouted", std::string(m.string_at(0)));  // every shard's lobby
        ack.send(true);
      });
    });
    io.attach(shards.http(i));
  }
  auto bound = shards.listen(*soket::net::make_endpoint("127.0.0.1", port));
  std::printf("shards: %zu, listening on http://127.0.0.1:%u\n", shards.size(),
              static_cast<unsigned>(bound.port()));
  std::fflush(stdout);
  shards.stop_on_signals();
  shards.run();  // shard 0 on this thread, the others on their own
  return 0;
}
