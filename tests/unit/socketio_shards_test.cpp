// Two shards of one Socket.IO app (ShardGroup: two io threads, SO_REUSEPORT on one port) and real
// WebSocket clients. The kernel picks each connection's shard, so the test opens connections until
// both shards hold at least kPerShard (each client asks its server which shard it is on), then
// checks that broadcasts, room broadcasts and room-wide operations started on one shard reach the
// sockets of the other one, and only the right ones.
#include <gtest/gtest.h>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "soket/socketio/remote_socket.hpp"
#include "soket/socketio/shard_group.hpp"
#include "soket/socketio/socket.hpp"
#include "ws_test_client.hpp"

namespace soket::socketio {
namespace {

namespace asio = net::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;

constexpr std::size_t kShards = 2;
constexpr std::size_t kPerShard = 3;
constexpr int kMaxClients = 64;  // 2^-63 odds that they all land on one shard

// The app under test, on every shard: "shard" acks the shard's index; the rest is the bench app
// plus the room-wide operations.
void setup(Server& io, std::size_t shard) {
  io.on_connection([&io, shard](Socket& socket) {
    socket.on("shard", [shard](Socket&, Message&, Ack& ack) { ack.send(shard); });
    socket.on("join", [](Socket& s, Message& m, Ack& ack) {
      s.join(std::string(m.string_at(0)));
      ack.send();
    });
    socket.on("bcast",
              [&io](Socket&, Message& m, Ack&) { io.main().emit_message("msg", std::move(m)); });
    socket.on("room", [&io](Socket&, Message& m, Ack&) {
      std::string room(m.args.at(0).as_object().at("room").as_string());
      io.to(room).emit_message("msg", std::move(m));
    });
    socket.on("all_join", [&io](Socket&, Message& m, Ack& ack) {
      io.main().sockets_join({std::string(m.string_at(0))});
      ack.send();
    });
    socket.on("kick", [&io](Socket&, Message& m, Ack&) {
      io.to(std::string(m.string_at(0))).disconnect_sockets();
    });
    // The requests that cross shards through the ClusterAdapter base.
    socket.on("count", [&io](Socket&, Message&, Ack& ack) {
      io.fetch_sockets(
          [ack](std::optional<std::string> error, std::vector<RemoteSocket> sockets) mutable {
            ack.send(sockets.size(), error.value_or(""));
          });
    });
    socket.on("ping_shards", [&io](Socket&, Message&, Ack& ack) {
      io.server_side_emit_with_ack(
          "who", {}, [ack](std::optional<std::string> error, Message& responses) mutable {
            ack.send(responses.args, error.value_or(""));
          });
    });
    socket.on("ask_all", [&io](Socket&, Message&, Ack& ack) {
      io.timeout(std::chrono::milliseconds(2000))
          .emit_with_ack("question", make_message(1),
                         [ack](std::optional<std::string> error, Message& responses) mutable {
                           ack.send(responses.args.size(), error.value_or(""));
                         });
    });
  });
  io.on_server_side("who", [shard](Message&, const ServerSideReply& reply) {
    if (reply) reply(make_message(shard));
  });
}

// A client that knows which shard it landed on.
class Client : public test::WsClient {
 public:
  Client(asio::io_context& io, uint16_t port)
      : WsClient(io, port), shard_(call(R"(["shard"])").at(0).to_number<std::size_t>()) {}
  std::size_t shard() const { return shard_; }

 private:
  std::size_t shard_;
};

class ShardsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::size_t i = 0; i < group_.size(); ++i) {
      setup(group_.server(i), i);
      group_.server(i).attach(group_.http(i));
    }
    port_ = group_.listen(net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)).port();
    thread_ = std::thread([this] { group_.run(); });

    for (int n = 0; n < kMaxClients && !(full(0) && full(1)); ++n) {
      auto client = std::make_unique<Client>(client_io_, port_);
      auto& mine = by_shard_.at(client->shard());
      if (mine.size() < kPerShard)
        mine.push_back(std::move(client));
      else
        extra_.push_back(std::move(client));
    }
    ASSERT_TRUE(full(0) && full(1)) << "the kernel put every connection on one shard";
  }

  void TearDown() override {
    group_.stop();
    if (thread_.joinable()) thread_.join();
  }

  bool full(std::size_t shard) const { return by_shard_[shard].size() >= kPerShard; }
  Client& client(std::size_t shard, std::size_t i) { return *by_shard_[shard].at(i); }

  ShardGroup group_{kShards};
  uint16_t port_ = 0;
  std::thread thread_;
  asio::io_context client_io_;
  std::array<std::vector<std::unique_ptr<Client>>, kShards> by_shard_;
  std::vector<std::unique_ptr<Client>> extra_;  // connected, not used: they still receive
};

TEST_F(ShardsTest, BroadcastFromEitherShardReachesEveryShard) {
  for (std::size_t from = 0; from < kShards; ++from) {
    auto text = "hello from " + std::to_string(from);
    client(from, 0).emit(R"(["bcast",")" + text + R"("])");
    auto expected = R"(42["msg",")" + text + R"("])";
    for (auto& clients : by_shard_)
      for (auto& c : clients)
        EXPECT_EQ(c->read(), expected)
            << "client on shard " << c->shard() << ", sent from " << from;
    for (auto& c : extra_)
      EXPECT_EQ(c->read(), expected);
  }
}

TEST_F(ShardsTest, RoomBroadcastReachesMembersOnEveryShardOnly) {
  // Clients 1 and 2 of each shard join "r"; client 0 of each shard stays out.
  for (std::size_t s = 0; s < kShards; ++s)
    for (std::size_t i = 1; i < kPerShard; ++i)
      client(s, i).call(R"(["join","r"])");

  // The room message, then a broadcast to everyone: both leave shard 0 in this order, so a
  // non-member that wrongly got the first sees it before the second.
  client(0, 0).emit(R"(["room",{"room":"r","n":1}])");
  client(0, 0).emit(R"(["bcast","end"])");
  for (std::size_t s = 0; s < kShards; ++s) {
    EXPECT_EQ(client(s, 0).read(), R"(42["msg","end"])") << "non-member on shard " << s;
    for (std::size_t i = 1; i < kPerShard; ++i) {
      EXPECT_EQ(client(s, i).read(), R"(42["msg",{"room":"r","n":1}])") << "member on shard " << s;
      EXPECT_EQ(client(s, i).read(), R"(42["msg","end"])");
    }
  }
}

TEST_F(ShardsTest, SocketsJoinAndDisconnectReachEveryShard) {
  // socketsJoin from shard 1 puts every socket of every shard in "g".
  client(1, 0).call(R"(["all_join","g"])");
  client(1, 0).emit(R"(["room",{"room":"g"}])");
  for (auto& clients : by_shard_)
    for (auto& c : clients)
      EXPECT_EQ(c->read(), R"(42["msg",{"room":"g"}])") << "client on shard " << c->shard();
  for (auto& c : extra_)
    EXPECT_EQ(c->read(), R"(42["msg",{"room":"g"}])");

  // Members of "k" (client 1 of each shard) are disconnected by a request made on shard 0.
  for (std::size_t s = 0; s < kShards; ++s)
    client(s, 1).call(R"(["join","k"])");
  client(0, 0).emit(R"(["kick","k"])");
  client(0, 0).emit(R"(["bcast","after"])");
  for (std::size_t s = 0; s < kShards; ++s) {
    EXPECT_EQ(client(s, 1).read(), "41") << "member on shard " << s;  // DISCONNECT
    EXPECT_EQ(client(s, 0).read(), R"(42["msg","after"])") << "non-member on shard " << s;
    EXPECT_EQ(client(s, 2).read(), R"(42["msg","after"])") << "non-member on shard " << s;
  }
}

TEST_F(ShardsTest, FetchSocketsServerSideEmitAndBroadcastAcksCrossShards) {
  std::size_t total = extra_.size();
  for (auto& clients : by_shard_)
    total += clients.size();
  for (std::size_t s = 0; s < kShards; ++s) {
    auto count = client(s, 0).call(R"(["count"])");
    EXPECT_EQ(count.at(0).to_number<std::size_t>(), total) << "asked on shard " << s;
    EXPECT_EQ(count.at(1).as_string(), "");
  }

  // Every other shard answers with its index; this one does not hear itself.
  auto who = client(1, 0).call(R"(["ping_shards"])");
  EXPECT_EQ(boost::json::serialize(who.at(0)), "[0]");
  EXPECT_EQ(who.at(1).as_string(), "");

  // A broadcast with an ack: every client of every shard gets the question with one ack id and
  // answers it; the asker then gets the number of answers. The asker answers its own question.
  auto& asker = client(0, 0);
  asker.send(R"(429["ask_all"])");
  auto answer_question = [](Client& c) {
    auto question = c.read();
    ASSERT_TRUE(question.starts_with("42")) << question;
    auto bracket = question.find('[');
    c.send("43" + question.substr(2, bracket - 2) + "[\"yes\"]");
  };
  for (auto& clients : by_shard_)
    for (auto& c : clients)
      answer_question(*c);
  for (auto& c : extra_)
    answer_question(*c);
  EXPECT_EQ(asker.read(), "439[" + std::to_string(total) + R"(,""])");
}

}  // namespace
}  // namespace soket::socketio
