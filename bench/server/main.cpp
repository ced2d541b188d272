// bench-server: the benchmark app on soket. The same contract as bench/node/server.mjs:
//   echo (with an ack)  -> ack with the same arguments
//   bcast ...args       -> io.emit("msg", ...args)
//   join <room>         -> socket.join(room)
//   room {room, ...}    -> io.to(room).emit("msg", data)
// Port from --port, else the PORT environment variable, else 3000.
#include <cstdlib>
#include <string>

#include "../../examples/common/example_main.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"

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
  soket::net::asio::io_context context(1);  // outlives everything below
  std::unique_ptr<Server> io;
  return soket::examples::run_example(
      context, argc, argv, "bench-server: the soket benchmark app", default_port(),
      [&](soket::net::asio::io_context& context, soket::http::Server& http) {
        io = std::make_unique<Server>(context);
        setup(*io);
        io->attach(http);
      },
      [&] { io->close(); });
}
