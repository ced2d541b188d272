// A Socket.IO server built against an installed soket (find_package(soket)): clients join rooms,
// talk in them and get acks. Usage: rooms-server [PORT] (default 3000, 127.0.0.1).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/object.hpp>

#include <cstdio>
#include <string>

#include "soket/http/server.hpp"
#include "soket/net/endpoint.hpp"
#include "soket/socketio/remote_socket.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"
#include "soket/version.hpp"

using namespace soket::socketio;

int main(int argc, char** argv) {
  const auto port = static_cast<uint16_t>(argc > 1 ? std::stoi(argv[1]) : 3000);
  boost::asio::io_context io(1);
  auto http = soket::http::Server::create(io);
  Server sio(io);

  sio.on_connection([&sio](Socket& socket) {
    // join <room>, ack {joined, members}: the room's size across this server.
    socket.on("join", [&sio](Socket& s, Message& m, Ack& ack) {
      std::string room(m.string_at(0));
      if (room.empty()) return ack.send(boost::json::object{{"error", "a room name is needed"}});
      s.join(room);
      sio.in(room).fetch_sockets(
          [ack, room](std::optional<std::string> error, std::vector<RemoteSocket> sockets) mutable {
            if (error) return ack.send(boost::json::object{{"error", *error}});
            ack.send(boost::json::object{{"joined", room}, {"members", sockets.size()}});
          });
    });
    // say <room> <text>: everyone else in the room gets it; the ack says it went.
    socket.on("say", [](Socket& s, Message& m, Ack& ack) {
      s.to(std::string(m.string_at(0))).emit("said", std::string(m.string_at(1)));
      ack.send(boost::json::object{{"ok", true}});
    });
  });
  sio.attach(*http);

  auto bound = http->listen(*soket::net::make_endpoint("127.0.0.1", port));
  std::printf("rooms-server on soket %s: listening on http://127.0.0.1:%u\n", soket::version,
              static_cast<unsigned>(bound.port()));
  std::fflush(stdout);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    sio.close();
    http->stop();
  });
  io.run();
  return 0;
}
