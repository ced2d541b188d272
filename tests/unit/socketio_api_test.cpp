// The Socket API a Node user expects, in C++ terms, against a real server and a WebSocket client:
// several listeners per event, once/off, onAny/prependAny/offAny, onAnyOutgoing, typed access to
// arguments, and emit_with_ack as variadic as emit with Asio completions (callback, future,
// coroutine).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <future>
#include <limits>
#include <regex>
#include <set>
#include <thread>

#include "soket/http/server.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"
#include "soket/socketio/typed_socket.hpp"
#include "soket/util/timer_delay.hpp"
#include "ws_test_client.hpp"

namespace soket::socketio {
namespace {

namespace asio = net::asio;
using namespace std::chrono_literals;

struct Reading {
  std::string device;
  double value = 0;
};

Reading tag_invoke(boost::json::value_to_tag<Reading>, const boost::json::value& v) {
  const auto& o = v.as_object();
  return {std::string(o.at("device").as_string()), boost::json::value_to<double>(o.at("value"))};
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_ = http::Server::create(io_);
    ServerOptions options;
    options.cleanup_empty_child_namespaces = true;
    server_ = std::make_unique<Server>(io_, options);
    server_->on_connection([this](Socket& socket) {
      if (on_socket_) on_socket_(socket);
    });
    server_->attach(*http_);
    port_ = http_->listen(net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)).port();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    asio::post(io_, [this] {
      server_->close();
      http_->stop();
    });
    io_.stop();
    thread_.join();
  }
  // Runs `fn` on the server's thread and waits for it.
  template <class Fn>
  auto on_server(Fn fn) {
    return asio::post(io_, asio::use_future(std::move(fn))).get();
  }
  std::unique_ptr<test::WsClient> connect(std::string_view nsp = "/", std::string_view auth = "") {
    return std::make_unique<test::WsClient>(client_io_, port_, nsp, auth);
  }

  asio::io_context io_{1};
  std::shared_ptr<http::Server> http_;
  std::unique_ptr<Server> server_;
  std::function<void(Socket&)> on_socket_;  // set before a client connects
  uint16_t port_ = 0;
  std::thread thread_;
  asio::io_context client_io_;
};

TEST_F(ApiTest, EveryListenerRunsInOrderAndEachSeesTheMessageAsItArrived) {
  std::vector<std::string> seen;
  on_socket_ = [&](Socket& s) {
    s.on("ev", [&](Socket&, Message& m, Ack&) {
      seen.push_back("first " + std::string(m.string_at(0)));
      m.args.clear();  // the next listener must not notice
    });
    s.on("ev", [&](Socket&, Message& m, Ack& ack) {
      seen.push_back("second " + std::string(m.string_at(0)));
      ack.send("done");
    });
    s.once("ev", [&](Socket&, Message&, Ack&) { seen.push_back("once"); });
  };
  auto c = connect();
  EXPECT_EQ(boost::json::serialize(c->call(R"(["ev","a"])")), R"(["done"])");
  EXPECT_EQ(boost::json::serialize(c->call(R"(["ev","b"])")), R"(["done"])");
  on_server([&] {
    EXPECT_EQ(seen,
              (std::vector<std::string>{"first a", "second a", "once", "first b", "second b"}));
  });
}

TEST_F(ApiTest, OffRemovesOneListenerOrAllOfAnEvent) {
  std::vector<std::string> seen;
  std::shared_ptr<Socket> socket;
  ListenerId second = 0;
  on_socket_ = [&](Socket& s) {
    socket = s.shared_from_this();
    s.on("ev", [&](Socket&, Message&, Ack&) { seen.push_back("first"); });
    second = s.on("ev", [&](Socket&, Message&, Ack&) { seen.push_back("second"); });
    s.on("ping", [](Socket&, Message&, Ack& ack) { ack.send("pong"); });
  };
  auto c = connect();
  on_server([&] {
    EXPECT_EQ(socket->listener_count("ev"), 2u);
    socket->off(second);
  });
  c->emit(R"(["ev"])");
  c->call(R"(["ping"])");  // in order: "ev" was handled before this answer
  on_server([&] {
    EXPECT_EQ(seen, std::vector<std::string>{"first"});
    socket->off("ev");
    EXPECT_EQ(socket->listener_count("ev"), 0u);
  });
  c->emit(R"(["ev"])");
  c->call(R"(["ping"])");
  on_server([&] { EXPECT_EQ(seen.size(), 1u); });
}

TEST_F(ApiTest, AnyListenersRunBeforeTheEventsOwnAndCanBePrependedAndRemoved) {
  std::vector<std::string> seen;
  std::shared_ptr<Socket> socket;
  ListenerId last = 0;
  on_socket_ = [&](Socket& s) {
    socket = s.shared_from_this();
    s.on_any([&](Socket&, std::string_view event, Message&) {
      seen.push_back("any " + std::string(event));
    });
    last = s.on_any([&](Socket&, std::string_view, Message&) { seen.push_back("any 2"); });
    s.prepend_any([&](Socket&, std::string_view, Message&) { seen.push_back("prepended"); });
    s.on("ev", [&](Socket&, Message&, Ack& ack) {
      seen.push_back("ev");
      ack.send();
    });
  };
  auto c = connect();
  c->call(R"(["ev"])");
  on_server([&] {
    EXPECT_EQ(seen, (std::vector<std::string>{"prepended", "any ev", "any 2", "ev"}));
    seen.clear();
    socket->off_any(last);
  });
  c->call(R"(["ev"])");
  on_server([&] {
    EXPECT_EQ(seen, (std::vector<std::string>{"prepended", "any ev", "ev"}));
    seen.clear();
    socket->off_any();
  });
  c->call(R"(["ev"])");
  on_server([&] { EXPECT_EQ(seen, std::vector<std::string>{"ev"}); });
}

TEST_F(ApiTest, ListenersAnyReturnTheAnyListenersInTheOrderTheyRun) {
  std::vector<std::string> ran;
  std::shared_ptr<Socket> socket;
  on_socket_ = [&](Socket& s) {
    socket = s.shared_from_this();
    s.on_any([&](Socket&, std::string_view, Message&) { ran.push_back("second"); });
    s.prepend_any([&](Socket&, std::string_view, Message&) { ran.push_back("first"); });
    s.on_any_outgoing([&](Socket&, std::string_view, Message&) { ran.push_back("out"); });
  };
  auto c = connect();
  on_server([&] {
    auto any = socket->listeners_any();
    ASSERT_EQ(any.size(), 2u);
    Message m;
    for (auto& listener : any)
      listener(*socket, "ev", m);
    EXPECT_EQ(ran, (std::vector<std::string>{"first", "second"}));
    ASSERT_EQ(socket->listeners_any_outgoing().size(), 1u);
    socket->off_any();
    socket->off_any_outgoing();
    EXPECT_TRUE(socket->listeners_any().empty());
    EXPECT_TRUE(socket->listeners_any_outgoing().empty());
  });
}

TEST_F(ApiTest, SendEmitsMessageFromSocketNamespaceServerAndOperator) {
  on_socket_ = [this](Socket& s) {
    s.on("go", [this](Socket& s, Message&, Ack&) {
      s.send("to-socket", 1);
      server_->send("to-server");
      server_->main().send(2);
      server_->to(s.id()).send(true);
    });
  };
  auto c = connect();
  c->emit(R"(["go"])");
  EXPECT_EQ(c->read(), R"(42["message","to-socket",1])");
  EXPECT_EQ(c->read(), R"(42["message","to-server"])");
  EXPECT_EQ(c->read(), R"(42["message",2])");
  EXPECT_EQ(c->read(), R"(42["message",true])");
}

TEST_F(ApiTest, SeveralRoomsReachEachMemberOnceAndExceptTakesRoomsAndIds) {
  std::vector<std::shared_ptr<Socket>> sockets;
  on_socket_ = [&](Socket& s) { sockets.push_back(s.shared_from_this()); };
  auto a = connect();
  auto b = connect();
  auto c = connect();
  auto ids = [](std::vector<SocketId> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  on_server([&] {
    ASSERT_EQ(sockets.size(), 3u);
    sockets[0]->join(std::vector<Room>{"x", "y"});
    sockets[1]->join("y");
    sockets[2]->join("z");
    auto& nsp = server_->main();
    const auto& A = sockets[0]->id();
    const auto& B = sockets[1]->id();
    const auto& C = sockets[2]->id();
    EXPECT_EQ(ids(nsp.to({"x", "y"}).socket_ids()), ids({A, B}));
    EXPECT_EQ(ids(server_->in(std::vector<Room>{"x", "z"}).socket_ids()), ids({A, C}));
    EXPECT_EQ(ids(nsp.to("x").to("y").to("z").except("x").socket_ids()), ids({B, C}));
    EXPECT_EQ(ids(nsp.to({"y", "z"}).except({B, "z"}).socket_ids()), ids({A}));
    EXPECT_EQ(ids(sockets[0]->to({"y", "z"}).socket_ids()), ids({B, C}));  // never itself
    EXPECT_EQ(ids(nsp.socket_ids()), ids({A, B, C}));
    auto rooms = nsp.rooms();
    std::sort(rooms.begin(), rooms.end());
    std::vector<Room> expected{A, B, C, "x", "y", "z"};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(rooms, expected);
    nsp.in("y").sockets_leave({"y"});
    EXPECT_TRUE(nsp.to("y").socket_ids().empty());
    EXPECT_EQ(ids(sockets[0]->rooms()), ids({A, "x"}));
    // A member of two targeted rooms gets the packet once.
    nsp.to({"x", "x", A}).emit("once", 1);
    nsp.to(A).emit("after", 2);
  });
  EXPECT_EQ(a->read(), R"(42["once",1])");
  EXPECT_EQ(a->read(), R"(42["after",2])");  // a second copy of "once" would be read here
}

TEST_F(ApiTest, VolatileEmitsAreDroppedWhileTheWebSocketIsBusy) {
  std::shared_ptr<Socket> socket;
  on_socket_ = [&](Socket& s) { socket = s.shared_from_this(); };
  auto c = connect();
  on_server([&] {
    EXPECT_TRUE(socket->writable());
    EXPECT_EQ(socket->buffered_bytes(), 0u);
    socket->volatile_().emit("v", 1);  // goes: nothing is under way
    EXPECT_FALSE(socket->writable());
    EXPECT_GT(socket->buffered_bytes(), 0u);
    socket->volatile_().emit("v", 2);   // dropped: the first is still queued
    server_->volatile_().emit("v", 3);  // dropped too
    socket->emit("ordinary", 4);        // always queued
  });
  EXPECT_EQ(c->read(), R"(42["v",1])");
  EXPECT_EQ(c->read(), R"(42["ordinary",4])");
  on_server([&] {
    EXPECT_TRUE(socket->writable());
    server_->volatile_().send("v", 5);  // writable again: delivered
  });
  EXPECT_EQ(c->read(), R"(42["message","v",5])");
}

TEST_F(ApiTest, DisconnectingRunsInTheRoomsAndDisconnectGetsADescription) {
  std::vector<std::string> seen;
  boost::json::value description = "unset";
  on_socket_ = [&](Socket& s) {
    s.join("lab");
    s.on_disconnecting([&](Socket& s, std::string_view reason) {
      auto rooms = s.rooms();
      seen.push_back("disconnecting " + std::string(reason) + " " +
                     std::to_string(server_->in("lab").socket_ids().size()) + " " +
                     std::to_string(rooms.size()) + " " +
                     std::to_string(std::ranges::count(rooms, Room("lab"))));
    });
    s.on_disconnect([&](Socket& s, std::string_view reason) {
      seen.push_back("disconnect " + std::string(reason) + " " + std::to_string(s.rooms().size()) +
                     " " + std::to_string(server_->in("lab").socket_ids().size()));
    });
    s.on_disconnect(
        [&](Socket&, std::string_view, const boost::json::value& d) { description = d; });
  };
  auto c = connect();
  c->send("41");
  for (int i = 0; i < 300 && on_server([&] { return seen.size(); }) < 2; ++i)
    std::this_thread::sleep_for(10ms);
  on_server([&] {
    EXPECT_EQ(seen, (std::vector<std::string>{"disconnecting client namespace disconnect 1 2 1",
                                              "disconnect client namespace disconnect 0 0"}));
    EXPECT_TRUE(description.is_null());
  });
}

TEST_F(ApiTest, OutgoingListenersSeeEmitsAndBroadcastsWithTheirArguments) {
  std::vector<std::string> seen;
  on_socket_ = [&](Socket& s) {
    s.on_any_outgoing([&](Socket&, std::string_view event, Message& m) {
      seen.push_back(std::string(event) + " " + boost::json::serialize(m.args) + " " +
                     std::to_string(m.attachments.size()));
    });
    s.on("go", [this](Socket& s, Message&, Ack&) {
      s.emit("direct", 1, "two");
      server_->emit("everyone", Binary{make_shared_bytes(std::string("\x01\x02", 2))});
    });
  };
  auto c = connect();
  c->emit(R"(["go"])");
  EXPECT_EQ(c->read(), R"(42["direct",1,"two"])");
  EXPECT_TRUE(c->read().starts_with("451-"));
  c->read();  // the attachment
  on_server([&] {
    EXPECT_EQ(seen, (std::vector<std::string>{R"(direct [1,"two"] 0)",
                                              R"(everyone [{"_placeholder":true,"num":0}] 1)"}));
  });
}

TEST_F(ApiTest, PacketMiddlewaresRunInOrderMayRewriteAndStopWithAnError) {
  std::vector<std::string> errors;
  std::vector<std::string> seen;
  on_socket_ = [&](Socket& s) {
    s.use([](Socket&, std::string_view event, Message& m, PacketNext next) {
      if (event == "secret") return next("unauthorized event");
      m.args.emplace_back("checked");
      next(std::nullopt);
    });
    // An asynchronous one: answers on a later turn of the loop.
    s.use([this](Socket&, std::string_view, Message& m, PacketNext next) {
      asio::post(io_, [&m, next] {
        m.args.emplace_back("later");
        next(std::nullopt);
      });
    });
    s.on_error([&](Socket&, std::string_view error) { errors.emplace_back(error); });
    s.on("open", [&](Socket&, Message& m, Ack& ack) { ack(std::move(m)); });
    s.on("secret", [&](Socket&, Message&, Ack&) { seen.emplace_back("secret ran"); });
  };
  auto c = connect();
  EXPECT_EQ(boost::json::serialize(c->call(R"(["open",1])")), R"([1,"checked","later"])");
  c->emit(R"(["secret"])");
  c->call(R"(["open"])");
  on_server([&] {
    EXPECT_EQ(errors, std::vector<std::string>{"unauthorized event"});
    EXPECT_TRUE(seen.empty());
  });
}

TEST_F(ApiTest, DynamicNamespacesAreCreatedOnDemandAndCleanedUpWhenEmpty) {
  std::vector<std::string> connected;
  on_server([&] {
    auto& rooms = server_->of(std::regex("/room-[0-9]+"));
    rooms.use([](Socket& s, Next next) {
      s.data()["checked"] = true;
      next(std::nullopt);
    });
    rooms.on_connection([&](Socket& s) {
      connected.push_back(s.nsp().name());
      s.on("where",
           [](Socket& s, Message&, Ack& ack) { ack.send(s.nsp().name(), s.data().at("checked")); });
    });
    auto& by_auth = server_->of([](std::string_view name, const boost::json::object& auth) {
      return name.starts_with("/team-") && auth.contains("team");
    });
    by_auth.on_connection([&](Socket& s) { connected.push_back(s.nsp().name()); });
  });
  auto a = connect("/room-1");
  auto b = connect("/room-22");
  EXPECT_EQ(boost::json::serialize(a->call(R"(["where"])")), R"(["/room-1",true])");
  EXPECT_EQ(boost::json::serialize(b->call(R"(["where"])")), R"(["/room-22",true])");
  EXPECT_THROW(connect("/room-x"), std::runtime_error);    // CONNECT_ERROR "Invalid namespace"
  EXPECT_THROW(connect("/team-red"), std::runtime_error);  // no auth: no match
  auto c = connect("/team-red", R"({"team":"red"})");
  on_server([&] {
    EXPECT_EQ(connected, (std::vector<std::string>{"/room-1", "/room-22", "/team-red"}));
    EXPECT_FALSE(server_->has_namespace("/room-x"));
  });
  a.reset();  // the last socket of /room-1 goes: so does the namespace
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = on_server([&] { return !server_->has_namespace("/room-1"); });
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(gone);
  on_server([&] { EXPECT_TRUE(server_->has_namespace("/room-22")); });
  // A new client of the same name makes it again, with the parent's handlers.
  auto again = connect("/room-1");
  EXPECT_EQ(boost::json::serialize(again->call(R"(["where"])")), R"(["/room-1",true])");
}

// A CONNECT still in an async middleware keeps its child namespace alive when the namespace's last
// socket leaves (it was freed under the pending middleware before), and a second CONNECT to the
// same namespace while the first is pending gets no second socket and no second answer.
TEST_F(ApiTest, PendingConnectsKeepTheirNamespaceAndASecondConnectIsIgnored) {
  std::vector<Next> held;
  on_server([&] {
    server_->main().on_connection(
        [](Socket& s) { s.on("ping", [](Socket&, Message&, Ack& ack) { ack.send("pong"); }); });
    server_->of(std::regex("/slow-[0-9]+")).use([&](Socket& s, Next next) {
      if (s.auth().contains("hold")) return held.push_back(std::move(next));
      next(std::nullopt);
    });
  });
  auto held_count = [&] { return on_server([&] { return held.size(); }); };
  auto wait_for_held = [&](std::size_t n) {
    for (int i = 0; i < 100 && held_count() < n; ++i)
      std::this_thread::sleep_for(10ms);
    return held_count();
  };
  auto a = connect("/slow-1");
  auto b = connect("/");
  b->send(R"(40/slow-1,{"hold":true})");
  ASSERT_EQ(wait_for_held(1), 1u);
  a.reset();  // the last connected socket of /slow-1 leaves while b's CONNECT is pending
  std::this_thread::sleep_for(200ms);
  on_server([&] { EXPECT_TRUE(server_->has_namespace("/slow-1")); });
  on_server([&] { held[0](std::nullopt); });
  EXPECT_TRUE(b->read().starts_with(R"(40/slow-1,{"sid":)"));

  b->send(R"(40/slow-2,{"hold":true})");
  b->send(R"(40/slow-2,{"hold":true})");
  ASSERT_EQ(wait_for_held(2), 2u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(held_count(), 2u) << "the second CONNECT ran the middlewares again";
  on_server([&] { held[1](std::nullopt); });
  EXPECT_TRUE(b->read().starts_with(R"(40/slow-2,{"sid":)"));
  // The next packet is the ack, not a second CONNECT answer; the connection is still up.
  EXPECT_EQ(boost::json::serialize(b->call(R"(["ping"])")), R"(["pong"])");
  on_server([&] { EXPECT_EQ(server_->of("/slow-2").sockets().size(), 1u); });
}

TEST_F(ApiTest, TypedAccessToArguments) {
  on_socket_ = [&](Socket& s) {
    s.on("reading", [](Socket&, Message& m, Ack& ack) {
      auto reading = m.as<Reading>(0);
      auto scale = m.get<double>(1);  // an integer on the wire converts to double
      auto tags = m.get<std::vector<std::string>>(2);
      EXPECT_FALSE(m.try_get<int>(0).has_value());
      EXPECT_FALSE(m.try_get<int>(9).has_value());
      EXPECT_THROW(m.get<std::string>(1), boost::system::system_error);
      EXPECT_THROW(m.get<int>(7), std::out_of_range);
      ack.send(reading.device, reading.value * scale, tags.size());
    });
  };
  auto c = connect();
  EXPECT_EQ(
      boost::json::serialize(c->call(R"(["reading",{"device":"gh-1","value":21.5},2,["a","b"]])")),
      R"(["gh-1",43,2])");
}

// --- typed events --------------------------------------------------------------------------

struct ChatMessage {
  static constexpr std::string_view name = "chat";
  using args = std::tuple<std::string, int>;
};
struct SubmitReading {
  static constexpr std::string_view name = "reading";
  using args = std::tuple<Reading, std::vector<std::string>>;
  using ack = std::tuple<std::string, double>;
};
struct Welcome {
  static constexpr std::string_view name = "welcome";
  using args = std::tuple<std::string>;
};
struct Confirm {
  static constexpr std::string_view name = "confirm";
  using args = std::tuple<int>;
  using ack = std::tuple<bool>;
};
struct Blob {
  static constexpr std::string_view name = "blob";
  using args = std::tuple<Binary>;
};
static_assert(EventDescriptor<ChatMessage> && !AckedEventDescriptor<ChatMessage>);
static_assert(AckedEventDescriptor<SubmitReading>);
static_assert(!EventDescriptor<std::string>);
using ClientEvents = Events<ChatMessage, SubmitReading>;
using ServerEvents = Events<ChatMessage, Welcome, Confirm>;
static_assert(has_event_v<ClientEvents, SubmitReading> && !has_event_v<ClientEvents, Welcome>);

TEST_F(ApiTest, TypedEventsConvertArgumentsBothWays) {
  std::vector<std::string> seen;
  on_socket_ = [&](Socket& s) {
    s.on<ChatMessage>([&](Socket& socket, std::string text, int n) {
      seen.push_back(text + "/" + std::to_string(n));
      socket.emit<ChatMessage>(text + "!", n + 1);
      socket.emit<Welcome>("hi");  // a const char* converts to std::string
    });
    s.on<SubmitReading>(
        [&](Socket&, Reading reading, std::vector<std::string> tags, TypedAck<SubmitReading> ack) {
          ack.send(reading.device, reading.value * static_cast<double>(tags.size()));
        });
  };
  auto c = connect();
  c->emit(R"(["chat","hello",41])");
  EXPECT_EQ(c->read(), R"(42["chat","hello!",42])");
  EXPECT_EQ(c->read(), R"(42["welcome","hi"])");
  EXPECT_EQ(
      boost::json::serialize(c->call(R"(["reading",{"device":"gh-1","value":21.5},["a","b"]])")),
      R"(["gh-1",43])");
  on_server([&] { EXPECT_EQ(seen, (std::vector<std::string>{"hello/41"})); });
}

TEST_F(ApiTest, TypedEventWithBadArgumentsGoesToTheErrorListenersNotTheHandler) {
  std::vector<std::string> errors;
  int handled = 0;
  on_socket_ = [&](Socket& s) {
    s.on_error([&](Socket&, std::string_view error) { errors.emplace_back(error); });
    s.on<ChatMessage>([&](Socket&, std::string, int) { ++handled; });
    s.on("ping", [](Socket&, Message&, Ack& ack) { ack.send("pong"); });
  };
  auto c = connect();
  c->emit(R"(["chat",12,"x"])");          // wrong types
  c->emit(R"(["chat","only one"])");      // missing
  c->emit(R"(["chat","x",1.5])");         // a fraction is not an int
  c->emit(R"(["chat","ok",1,"extra"])");  // more than declared: the extra one is ignored
  // The connection stays: it still answers, after the events above (in order).
  EXPECT_EQ(boost::json::serialize(c->call(R"(["ping"])")), R"(["pong"])");
  on_server([&] {
    EXPECT_EQ(handled, 1);
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].rfind("event \"chat\": argument 0 does not convert", 0), 0u) << errors[0];
    EXPECT_EQ(errors[1], "event \"chat\": 2 arguments expected, 1 given");
    EXPECT_EQ(errors[2].rfind("event \"chat\": argument 1 does not convert", 0), 0u) << errors[2];
  });
}

TEST_F(ApiTest, TypedEmitWithAckAndBroadcastsAndBinaries) {
  std::promise<std::string> answer;
  on_socket_ = [&](Socket& s) {
    s.join("room");
    s.emit_with_ack<Confirm>(
        7, [&](std::optional<std::string> error, std::optional<std::tuple<bool>> reply) {
          answer.set_value(error ? *error : (std::get<0>(*reply) ? "yes" : "no"));
        });
  };
  auto c = connect();
  auto question = c->read();  // 421["confirm",7]
  ASSERT_EQ(question.substr(question.find('[')), R"(["confirm",7])");
  c->send("43" + question.substr(2, question.find('[') - 2) + R"([true])");
  EXPECT_EQ(answer.get_future().get(), "yes");

  on_server([&] { server_->to("room").emit<ChatMessage>("to the room", 1); });
  EXPECT_EQ(c->read(), R"(42["chat","to the room",1])");
  on_server([&] { server_->emit<Welcome>(std::string("everyone")); });
  EXPECT_EQ(c->read(), R"(42["welcome","everyone"])");
  on_server(
      [&] { server_->main().emit<Blob>(Binary{make_shared_bytes(std::string("\x01\x02"))}); });
  EXPECT_EQ(c->read(), R"(451-["blob",{"_placeholder":true,"num":0}])");
}

TEST_F(ApiTest, TypedAckThatDoesNotMatchIsAnError) {
  std::promise<std::string> answer;
  on_socket_ = [&](Socket& s) {
    s.emit_with_ack<Confirm>(
        1, [&](std::optional<std::string> error, std::optional<std::tuple<bool>> reply) {
          answer.set_value(error ? *error : reply ? "a reply" : "nothing");
        });
  };
  auto c = connect();
  auto question = c->read();
  c->send("43" + question.substr(2, question.find('[') - 2) + R"(["not a bool"])");
  auto text = answer.get_future().get();
  EXPECT_EQ(text.rfind("the answer to \"confirm\" does not match its ack: argument 0", 0), 0u)
      << text;
}

TEST_F(ApiTest, TypedNamespaceAndSocketFollowTheEventMap) {
  std::vector<std::string> seen;
  on_server([&] {
    TypedNamespace<ClientEvents, ServerEvents> typed(server_->of("/typed"));
    typed.on_connection([&](TypedSocket<ClientEvents, ServerEvents> socket) {
      socket->join("members");
      socket.on<ChatMessage>([&](Socket&, std::string text, int) { seen.push_back(text); });
      socket.emit<Welcome>("to you");
    });
  });
  auto c = connect("/typed");
  EXPECT_EQ(c->read(), R"(42/typed,["welcome","to you"])");
  c->emit(R"(["chat","typed hello",1])");
  on_server([&] {
    TypedNamespace<ClientEvents, ServerEvents> typed(server_->of("/typed"));
    typed.to("members").emit<ChatMessage>("members only", 2);
  });
  EXPECT_EQ(c->read(), R"(42/typed,["chat","members only",2])");
  on_server([&] { EXPECT_EQ(seen, (std::vector<std::string>{"typed hello"})); });
}

// The server asks the client (which answers from this test thread) in three styles.
TEST_F(ApiTest, EmitWithAckIsVariadicWithCallbackFutureAndCoroutine) {
  std::promise<std::shared_ptr<Socket>> connected;
  on_socket_ = [&](Socket& s) { connected.set_value(s.shared_from_this()); };
  auto c = connect();
  auto socket = connected.get_future().get();

  auto answer = [&](std::string_view expected_args, std::string_view reply) {
    auto question = c->read();  // 42<id>["q",...]
    auto bracket = question.find('[');
    ASSERT_EQ(question.substr(bracket), expected_args);
    c->send("43" + question.substr(2, bracket - 2) + std::string(reply));
  };

  std::promise<std::string> by_callback;
  asio::post(io_, [&] {
    socket->emit_with_ack("q", 1, "two", [&](boost::system::error_code ec, Message reply) {
      by_callback.set_value(ec ? ec.message() : boost::json::serialize(reply.args));
    });
  });
  answer(R"(["q",1,"two"])", R"(["yes"])");
  EXPECT_EQ(by_callback.get_future().get(), R"(["yes"])");

  auto future = on_server([&] { return socket->emit_with_ack("q", 3.5, asio::use_future); });
  answer(R"(["q",3.5])", R"([{"ok":true}])");
  EXPECT_EQ(boost::json::serialize(future.get().args), R"([{"ok":true}])");

  std::promise<std::string> by_coroutine;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        try {
          auto reply = co_await socket->timeout(5s).emit_with_ack("q", asio::use_awaitable);
          by_coroutine.set_value(boost::json::serialize(reply.args));
        } catch (const boost::system::system_error& e) {
          by_coroutine.set_value(e.code().message());
        }
      },
      asio::detached);
  answer(R"(["q"])", R"([7])");
  EXPECT_EQ(by_coroutine.get_future().get(), "[7]");

  // A timeout is an error_code: AckError::timed_out.
  std::promise<boost::system::error_code> timed_out;
  asio::post(io_, [&] {
    socket->timeout(50ms).emit_with_ack(
        "q", [&](boost::system::error_code ec, Message) { timed_out.set_value(ec); });
  });
  c->read();  // the question, never answered
  EXPECT_EQ(timed_out.get_future().get(), AckError::timed_out);
}

// A timeout near the int64 maximum (a client chose it: feature-server's ask-me) made the timer's
// deadline overflow (UB; in practice a deadline in the past, so an instant "timed out"). It is
// bounded to kMaxTimerDelay now, so the client's answer arrives in time.
TEST_F(ApiTest, EmitWithAckTimeoutNearTheInt64MaximumIsBounded) {
  std::promise<std::shared_ptr<Socket>> connected;
  on_socket_ = [&](Socket& s) { connected.set_value(s.shared_from_this()); };
  auto c = connect();
  auto socket = connected.get_future().get();
  auto answer = [&] {
    auto question = c->read();  // 42<id>["q"]
    auto bracket = question.find('[');
    c->send("43" + question.substr(2, bracket - 2) + "[\"late\"]");
  };

  std::promise<std::string> by_callback;
  asio::post(io_, [&] {
    socket->emit_with_ack(
        "q", Message{}, AckCallback([&](std::optional<std::string> error, Message& reply) {
          by_callback.set_value(error ? *error : boost::json::serialize(reply.args));
        }),
        std::chrono::milliseconds::max());
  });
  answer();
  EXPECT_EQ(by_callback.get_future().get(), R"(["late"])");

  std::promise<std::string> by_operator;
  asio::post(io_, [&] {
    socket->timeout(std::chrono::milliseconds(std::numeric_limits<int64_t>::max() - 1))
        .emit_with_ack("q", [&](boost::system::error_code ec, Message reply) {
          by_operator.set_value(ec ? ec.message() : boost::json::serialize(reply.args));
        });
  });
  answer();
  EXPECT_EQ(by_operator.get_future().get(), R"(["late"])");

  // A broadcast with such a timeout: the answer is collected, not cut off at once.
  auto answers = on_server([&] {
    return server_->timeout(std::chrono::milliseconds::max()).emit_with_ack("q", asio::use_future);
  });
  answer();
  EXPECT_EQ(boost::json::serialize(answers.get().args), R"(["late"])");
  EXPECT_EQ(bounded_timer_delay(std::chrono::milliseconds::max()), kMaxTimerDelay);
  EXPECT_EQ(bounded_timer_delay(std::chrono::milliseconds(-5)), std::chrono::milliseconds(-5));
}

TEST_F(ApiTest, BroadcastEmitWithAckCollectsEveryAnswerAsAnAwaitable) {
  std::promise<void> both;
  int connected = 0;
  on_socket_ = [&](Socket&) {
    if (++connected == 2) both.set_value();
  };
  auto a = connect();
  auto b = connect();
  both.get_future().get();
  auto answers =
      on_server([&] { return server_->timeout(5s).emit_with_ack("q", "?", asio::use_future); });
  for (auto* c : {a.get(), b.get()}) {
    auto question = c->read();
    auto bracket = question.find('[');
    EXPECT_EQ(question.substr(bracket), R"(["q","?"])");
    c->send("43" + question.substr(2, bracket - 2) + R"(["from )" + c->sid() + R"("])");
  }
  auto responses = answers.get();
  ASSERT_EQ(responses.args.size(), 2u);
  std::set<std::string> from;
  for (const auto& r : responses.args)
    from.insert(std::string(r.as_string()));
  EXPECT_EQ(from, (std::set<std::string>{"from " + a->sid(), "from " + b->sid()}));
}

}  // namespace
}  // namespace soket::socketio
