#include "cluster_events.hpp"

#include <algorithm>

#include "soket/socketio/remote_socket.hpp"
#include "soket/socketio/socket.hpp"

namespace soket::examples {

using namespace socketio;

namespace {

boost::json::value error_or_null(const std::optional<std::string>& error) {
  return error ? boost::json::value(*error) : boost::json::value(nullptr);
}

// Finds socket `id` on any node and hands it to `found` (null when no node has it); when the
// cluster could not be asked, acks {error} instead.
void with_remote_socket(Server& io, std::string id, Ack ack,
                        std::function<void(const RemoteSocket*, Ack&)> found) {
  io.fetch_sockets(
      [id = std::move(id), ack, found = std::move(found)](
          std::optional<std::string> error, std::vector<RemoteSocket> sockets) mutable {
        for (const auto& socket : sockets)
          if (socket.id() == id) return found(&socket, ack);
        if (error) return ack.send(boost::json::object{{"error", *error}});
        found(nullptr, ack);
      });
}

void setup_server_side(Server& io, const std::string& node) {
  // Another node's server_side_emit: tell this node's own clients.
  io.on_server_side("relay", [&io, node](Message& args, const ServerSideReply&) {
    io.local().emit_message(
        "relayed",
        make_message(args.args.empty() ? boost::json::value() : args.args.front(), node));
  });
  io.on_server_side("ping-node", [node](Message&, const ServerSideReply& reply) {
    if (reply) reply(make_message(node));
  });
}

}  // namespace

void setup_cluster_events(Server& io, std::string node_name) {
  setup_server_side(io, node_name);
  io.on_connection([&io, node = std::move(node_name)](Socket& socket) {
    socket.on("count", [&io](Socket&, Message&, Ack& ack) {
      io.fetch_sockets(
          [ack](std::optional<std::string> error, std::vector<RemoteSocket> sockets) mutable {
            if (error) return ack.send(boost::json::object{{"error", *error}});
            ack.send(boost::json::object{{"count", sockets.size()}});
          });
    });
    socket.on("rooms-of", [&io](Socket&, Message& message, Ack& ack) {
      with_remote_socket(io, std::string(message.string_at(0)), ack,
                         [](const RemoteSocket* found, Ack& ack) {
                           if (!found) return ack.send(boost::json::object{{"rooms", nullptr}});
                           auto rooms = found->rooms();
                           std::sort(rooms.begin(), rooms.end());
                           boost::json::array list(rooms.begin(), rooms.end());
                           ack.send(boost::json::object{{"rooms", std::move(list)}});
                         });
    });
    socket.on("join-all", [&io](Socket&, Message& message, Ack& ack) {
      io.sockets_join({std::string(message.string_at(0))});
      if (ack) ack.send("ok");
    });
    socket.on("kick-room", [&io](Socket&, Message& message, Ack& ack) {
      io.in(std::string(message.string_at(0))).disconnect_sockets(true);
      if (ack) ack.send("ok");
    });
    socket.on("server-side-emit", [&io, node](Socket&, Message& message, Ack& ack) {
      auto text = message.args.empty() ? boost::json::value() : message.args.front();
      io.server_side_emit("relay", text);
      // server_side_emit never reaches this node's own handlers, as in the reference.
      io.local().emit("relayed", text, node);
      if (ack) ack.send("ok");
    });
    socket.on("server-side-emit-ack", [&io](Socket&, Message&, Ack& ack) {
      io.server_side_emit_with_ack(
          "ping-node", {}, [ack](std::optional<std::string> error, Message& responses) mutable {
            ack.send(
                boost::json::object{{"err", error_or_null(error)}, {"responses", responses.args}});
          });
    });
    socket.on("ask-all", [&io](Socket&, Message&, Ack& ack) {
      io.timeout(std::chrono::milliseconds(2000))
          .emit_with_ack("question", make_message("are you there?"),
                         [ack](std::optional<std::string> error, Message& responses) mutable {
                           ack.send(boost::json::object{{"timedOut", error.has_value()},
                                                        {"answers", responses.args.size()}});
                         });
    });
    socket.on("whoami", [node](Socket& s, Message&, Ack& ack) {
      ack.send(boost::json::object{{"node", node}, {"id", s.id()}, {"recovered", s.recovered()}});
    });
    socket.on("remote-join", [&io](Socket&, Message& message, Ack& ack) {
      std::string room(message.string_at(1));
      with_remote_socket(io, std::string(message.string_at(0)), ack,
                         [room](const RemoteSocket* found, Ack& ack) {
                           if (!found) return ack.send("not found");
                           found->join(room);
                           ack.send("ok");
                         });
    });
    socket.on("remote-leave", [&io](Socket&, Message& message, Ack& ack) {
      std::string room(message.string_at(1));
      with_remote_socket(io, std::string(message.string_at(0)), ack,
                         [room](const RemoteSocket* found, Ack& ack) {
                           if (!found) return ack.send("not found");
                           found->leave(room);
                           ack.send("ok");
                         });
    });
    socket.on("remote-emit", [&io](Socket&, Message& message, Ack& ack) {
      std::string event(message.string_at(1));
      auto payload = message.args.size() > 2 ? message.args[2] : boost::json::value();
      with_remote_socket(io, std::string(message.string_at(0)), ack,
                         [event, payload](const RemoteSocket* found, Ack& ack) {
                           if (found) found->emit(event, payload);
                           if (ack) ack.send(found ? "ok" : "not found");
                         });
    });
    socket.on("remote-disconnect", [&io](Socket&, Message& message, Ack& ack) {
      with_remote_socket(io, std::string(message.string_at(0)), ack,
                         [](const RemoteSocket* found, Ack& ack) {
                           if (found) found->disconnect(true);
                           if (ack) ack.send(found ? "ok" : "not found");
                         });
    });
  });
}

}  // namespace soket::examples
