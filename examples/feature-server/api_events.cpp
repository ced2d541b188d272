#include "api_events.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <tuple>

#include "soket/socketio/socket.hpp"

namespace soket::examples {

using namespace socketio;

namespace {

// A typed event (docs/typed-events.md): two integers in, their sum back; arguments that do not
// convert go to the socket's error listeners, which tell the client with "typed-error".
struct TypedSum {
  static constexpr std::string_view name = "typed-sum";
  using args = std::tuple<int, int>;
  using ack = std::tuple<int>;
};
struct TypedError {
  static constexpr std::string_view name = "typed-error";
  using args = std::tuple<std::string>;
};

// Sockets that asked (watch-disconnects) to hear of every disconnect of the namespace.
const Room kWatchers = "disconnect-watchers";

boost::json::array sorted_array(std::vector<std::string> strings) {
  std::sort(strings.begin(), strings.end());
  boost::json::array array;
  for (auto& s : strings)
    array.emplace_back(std::move(s));
  return array;
}

std::vector<Room> rooms_arg(const Message& message, std::size_t i, std::string_view key) {
  std::vector<Room> rooms;
  if (i >= message.args.size() || !message.args[i].is_object()) return rooms;
  const auto* list = message.args[i].get_object().if_contains(key);
  if (!list || !list->is_array()) return rooms;
  for (const auto& room : list->get_array())
    if (room.is_string()) rooms.emplace_back(room.get_string());
  return rooms;
}

// The payload: every argument from `first` on.
Message rest_of(Message& message, std::size_t first) {
  Message rest;
  rest.attachments = std::move(message.attachments);
  for (std::size_t i = first; i < message.args.size(); ++i)
    rest.args.push_back(std::move(message.args[i]));
  return rest;
}

boost::json::object buffer_state(const Socket& socket) {
  return {{"writable", socket.writable()}, {"buffered_bytes", socket.buffered_bytes()}};
}

// targeted {to: [...], except: [...], chain?, from_socket?, volatile?}, ...payload: builds the
// operator from the lists (one to()/except() call per room with chain, else one call with the
// whole list) and emits "targeted" with the payload.
void targeted(Server& io, Socket& socket, Message& message) {
  auto to = rooms_arg(message, 0, "to");
  auto except = rooms_arg(message, 0, "except");
  auto flag = [&](std::string_view key) {
    if (message.args.empty() || !message.args[0].is_object()) return false;
    const auto* v = message.args[0].get_object().if_contains(key);
    return v && v->is_bool() && v->get_bool();
  };
  BroadcastOperator op = flag("from_socket") ? socket.broadcast() : BroadcastOperator(io.main());
  if (flag("chain")) {
    for (const auto& room : to)
      op = op.to(room);
    for (const auto& room : except)
      op = op.except(room);
  } else {
    if (!to.empty()) op = op.to(to);
    if (!except.empty()) op = op.except(except);
  }
  if (flag("volatile")) op = op.volatile_();
  op.emit_message("targeted", rest_of(message, 1));
}

void watch_disconnects(Socket& socket, Namespace& nsp, bool log) {
  socket.on_disconnecting([&nsp](Socket& s, std::string_view reason) {
    // Still in its rooms: say which, and who the namespace finds in the first custom one.
    auto rooms = s.rooms();
    nsp.to(kWatchers).except(s.id()).emit(
        "socket-leaving",
        boost::json::object{{"id", s.id()},
                            {"reason", reason},
                            {"rooms", sorted_array(rooms)},
                            {"room_sockets", sorted_array(nsp.to(rooms).socket_ids())}});
  });
  socket.on_disconnect([&nsp, log](Socket& s, std::string_view reason,
                                   const boost::json::value& description) {
    if (log) {
      std::printf("disconnect %s %.*s\n", s.id().c_str(), static_cast<int>(reason.size()),
                  reason.data());
      std::fflush(stdout);
    }
    nsp.to(kWatchers).emit("socket-left", boost::json::object{{"id", s.id()},
                                                              {"reason", reason},
                                                              {"description", description},
                                                              {"rooms", sorted_array(s.rooms())}});
  });
}

void flood(std::weak_ptr<Socket> weak, std::shared_ptr<const std::string> payload, int left) {
  auto socket = weak.lock();
  if (!socket || !socket->connected() || left <= 0) return;
  socket->emit("flood", *payload);
  boost::asio::post(socket->io(), [weak = std::move(weak), payload = std::move(payload), left] {
    flood(weak, payload, left - 1);
  });
}

}  // namespace

void setup_api_events(Server& io, bool log_disconnects) {
  io.on_connection([&io, log_disconnects](Socket& socket) {
    socket.on<TypedSum>([](Socket&, int a, int b, TypedAck<TypedSum> ack) { ack.send(a + b); });
    socket.on_error(
        [](Socket& s, std::string_view error) { s.emit<TypedError>(std::string(error)); });
    watch_disconnects(socket, io.main(), log_disconnects);
    socket.on("watch-disconnects", [](Socket& s, Message&, Ack& ack) {
      s.join(kWatchers);
      ack.send("ok");
    });
    // send(): "message" to the sender, to everyone, or to a room.
    socket.on("send", [](Socket& s, Message& message, Ack&) {
      s.emit_message("message", std::move(message));
    });
    socket.on("send-args", [&io](Socket& s, Message& message, Ack&) {
      // send() with typed values: to the socket, to the namespace, to a room.
      std::string where(message.string_at(0));
      if (where == "socket") s.send("from-socket", 1);
      if (where == "all") io.send("from-server", 2);
      if (where == "room") io.to(std::string(message.string_at(1))).send("from-room", 3);
    });
    socket.on("rooms", [](Socket& s, Message&, Ack& ack) { ack.send(sorted_array(s.rooms())); });
    socket.on("all-rooms",
              [&io](Socket&, Message&, Ack& ack) { ack.send(sorted_array(io.main().rooms())); });
    // socket-ids {to?: [...], except?: [...]}: the ids the operator targets (all_sockets).
    socket.on("socket-ids", [&io](Socket&, Message& message, Ack& ack) {
      auto to = rooms_arg(message, 0, "to");
      auto except = rooms_arg(message, 0, "except");
      if (to.empty() && except.empty()) return ack.send(sorted_array(io.socket_ids()));
      ack.send(sorted_array(io.to(to).except(except).socket_ids()));
    });
    socket.on("close-room", [&io](Socket&, Message& message, Ack& ack) {
      Room room(message.string_at(0));
      io.in(room).sockets_leave({room});
      ack.send("ok");
    });
    socket.on("targeted", [&io](Socket& s, Message& message, Ack&) { targeted(io, s, message); });
    // volatile: `count` volatile packets to the sender in one turn; the ack tells how many the
    // client can expect when the connection was writable (one: the first makes it busy).
    socket.on("volatile", [](Socket& s, Message& message, Ack& ack) {
      auto count = message.try_get<int>(0).value_or(1);
      auto before = buffer_state(s);
      for (int i = 0; i < count; ++i)
        s.volatile_().emit("volatile", i);
      ack.send(before);
    });
    // volatile-to sid: one volatile and one ordinary packet to socket `sid`; acks its state before.
    socket.on("volatile-to", [&io](Socket&, Message& message, Ack& ack) {
      auto target = io.main().find(std::string(message.string_at(0)));
      if (!target) return ack.send(boost::json::object{{"error", "no such socket"}});
      auto before = buffer_state(*target);
      io.to(target->id()).volatile_().emit("volatile", "dropped unless writable");
      io.to(target->id()).emit("ordinary", "always");
      ack.send(before);
    });
    socket.on("buffer-state", [&io](Socket&, Message& message, Ack& ack) {
      auto target = io.main().find(std::string(message.string_at(0)));
      if (!target) return ack.send(boost::json::object{{"error", "no such socket"}});
      ack.send(buffer_state(*target));
    });
    // data-to sid, bytes: `bytes` bytes in one "data" event to socket `sid` (a slow reader's
    // buffer fills up); acks its state after.
    socket.on("data-to", [&io](Socket&, Message& message, Ack& ack) {
      auto target = io.main().find(std::string(message.string_at(0)));
      if (!target) return ack.send(boost::json::object{{"error", "no such socket"}});
      auto bytes = message.try_get<std::size_t>(1).value_or(0);
      target->emit("data", std::string(bytes, 'x'));
      if (!target->connected()) return ack.send(boost::json::object{{"closed", true}});
      ack.send(buffer_state(*target));
    });
    // flood count, bytes: `count` "flood" events of `bytes` bytes each to the sender, one per turn
    // of the loop, so that each is written out (as far as the client reads) before the next.
    socket.on("flood", [](Socket& s, Message& message, Ack&) {
      auto count = message.try_get<int>(0).value_or(0);
      auto bytes = message.try_get<std::size_t>(1).value_or(0);
      flood(s.weak_from_this(), std::make_shared<const std::string>(bytes, 'x'), count);
    });
    socket.on("server-disconnect", [](Socket& s, Message&, Ack&) { s.disconnect(); });
  });
}

}  // namespace soket::examples
