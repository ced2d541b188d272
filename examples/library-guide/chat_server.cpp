// The chat server of docs/library.md, whole: every ```cpp block of that page is a piece of this
// file or of the other files here (tests/docs/check_library_snippets.py checks it), and
// docs.library_guide runs it against python-socketio clients.
// Usage: library-guide-chat [PORT] (default 3000; 0 picks a free one), on 127.0.0.1.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include "soket/http/server.hpp"
#include "soket/net/endpoint.hpp"
#include "soket/socketio/remote_socket.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"

using namespace soket::socketio;
using namespace std::chrono_literals;

// The name a client gave in its auth ({name: "ana"}), checked by the middleware below.
std::string name_of(Socket& socket) {
  return std::string(socket.data()["name"].as_string());
}

void add_chat_handlers(Server& io, Socket& socket) {
  // join <room>: the client enters a room; the ack tells how many are in it now.
  socket.on("join", [&io](Socket& s, Message& m, Ack& ack) {
    std::string room(m.string_at(0));
    if (room.empty()) return ack.send(boost::json::object{{"error", "a room name is needed"}});
    s.join(room);
    s.to(room).emit("joined", name_of(s), room);  // the others in the room
    io.in(room).fetch_sockets(
        [ack, room](std::optional<std::string> error, std::vector<RemoteSocket> members) mutable {
          if (error) return ack.send(boost::json::object{{"error", *error}});
          ack.send(boost::json::object{{"room", room}, {"members", members.size()}});
        });
  });

  // say <room> <text>: everyone in the room but the sender gets it; the ack says it went.
  socket.on("say", [](Socket& s, Message& m, Ack& ack) {
    s.to(std::string(m.string_at(0))).emit("said", name_of(s), std::string(m.string_at(1)));
    ack.send(true);
  });

  // avatar <room> <bytes>: binary goes through untouched, as an attachment.
  socket.on("avatar", [](Socket& s, Message& m, Ack&) {
    const std::string* image = m.binary_at(1);
    if (!image) return s.emit("error-message", "avatar: the second argument must be binary");
    s.to(std::string(m.string_at(0)))
        .emit("avatar", name_of(s), Binary{soket::make_shared_bytes(*image)});
  });

  // ask-back: the server asks the client and waits 2 s at most for its ack.
  socket.on("ask-back", [](Socket& s, Message&, Ack& ack) {
    s.emit_with_ack(
        "question", make_message("what time is it?"),
        [ack](std::optional<std::string> error, Message& reply) mutable {
          if (error) return ack.send(boost::json::object{{"error", *error}});  // timed out
          boost::json::value answer = reply.args.empty() ? nullptr : reply.args[0];
          ack.send(boost::json::object{{"answer", answer}});
        },
        2s);
  });

  // quiz: the same with a coroutine; a timeout throws (AckError::timed_out).
  socket.on("quiz", [](Socket& s, Message&, Ack& ack) {
    boost::asio::co_spawn(
        s.io(),
        [self = s.shared_from_this(), ack]() mutable -> boost::asio::awaitable<void> {
          try {
            Message reply = co_await self->timeout(2s).emit_with_ack("question", "2 + 2?",
                                                                     boost::asio::use_awaitable);
            ack.send(boost::json::object{{"answer", reply.args}});
          } catch (const boost::system::system_error& e) {
            ack.send(boost::json::object{{"error", e.code().message()}});
          }
        },
        boost::asio::detached);
  });

  // poll <room>: asks everyone in the room and collects the answers (a broadcast with acks).
  socket.on("poll", [&io](Socket&, Message& m, Ack& ack) {
    io.to(std::string(m.string_at(0)))
        .timeout(2s)
        .emit_with_ack(
            "question", make_message("ready?"),
            [ack](std::optional<std::string> error, Message& answers) mutable {
              ack.send(boost::json::object{{"complete", !error}, {"answers", answers.args}});
            });
  });
}

int main(int argc, char** argv) {
  const auto port = static_cast<uint16_t>(argc > 1 ? std::stoi(argv[1]) : 3000);
  boost::asio::io_context context(1);
  auto http = soket::http::Server::create(context);
  Server io(context);

  // Middleware: runs before a client is connected; refuse it with an error it can read.
  io.use([](Socket& socket, Next next) {
    const boost::json::value* name = socket.auth().if_contains("name");
    if (!name || !name->is_string() || name->as_string().empty())
      return next(ConnectError{"a name is needed", nullptr});
    socket.data()["name"] = *name;
    next(std::nullopt);
  });

  io.on_connection([&io](Socket& socket) {
    socket.emit("welcome", "hello " + name_of(socket));
    add_chat_handlers(io, socket);
    socket.on_disconnect([](Socket& s, std::string_view reason) {
      std::printf("%s left (%.*s)\n", name_of(s).c_str(), static_cast<int>(reason.size()),
                  reason.data());
    });
  });

  // A second namespace, with its own middleware and handlers: io("/admin") on the client.
  Namespace& admin = io.of("/admin");
  admin.use([](Socket& socket, Next next) {
    const boost::json::value* token = socket.auth().if_contains("token");
    if (!token || *token != "let-me-in") return next(ConnectError{"not authorized", nullptr});
    next(std::nullopt);
  });
  admin.on_connection([&io](Socket& socket) {
    // announce <text>: to every client of the main namespace.
    socket.on("announce", [&io](Socket&, Message& m, Ack& ack) {
      io.emit("announcement", std::string(m.string_at(0)));
      ack.send(true);
    });
    // kick <room>: disconnects every client in a room.
    socket.on("kick", [&io](Socket&, Message& m, Ack& ack) {
      io.in(std::string(m.string_at(0))).disconnect_sockets();
      ack.send(true);
    });
  });

  io.attach(*http);
  auto bound = http->listen(*soket::net::make_endpoint("127.0.0.1", port));
  std::printf("chat: listening on http://127.0.0.1:%u\n", static_cast<unsigned>(bound.port()));
  std::fflush(stdout);

  boost::asio::signal_set signals(context, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    io.close();
    http->stop();
  });
  context.run();
  return 0;
}
