#include "soket/cluster/redis_client.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// These tests talk to a real redis-server, started on a free port for each test and stopped by
// its PID. They are skipped when /usr/bin/redis-server is missing.

#include "redis_test_fixture.hpp"

namespace soket::cluster {
namespace {

using namespace std::chrono_literals;
using namespace redis_test;
using Type = RedisReply::Type;
namespace asio = net::asio;
using RedisClientTest = RedisTest;
using RedisPubSubTest = RedisTest;
using RedisReconnectTest = RedisTest;

TEST_F(RedisClientTest, SetAndGet) {
  auto c = client("cmd");
  start_and_wait(c);
  RedisReply set = call(c, {"SET", "greeting", "hello"});
  EXPECT_EQ(set.type, Type::status);
  EXPECT_EQ(set.str, "OK");
  RedisReply get = call(c, {"GET", "greeting"});
  EXPECT_EQ(get.type, Type::string);
  EXPECT_EQ(get.str, "hello");
  EXPECT_EQ(call(c, {"GET", "missing"}).type, Type::nil);

  std::string binary("a\0\r\n\xff", 5);
  call(c, {"SET", "binary", binary});
  EXPECT_EQ(call(c, {"GET", "binary"}).str, binary);

  // A server error is a reply, not a failure.
  auto error = send(c, {"INCR", "greeting"});
  ASSERT_TRUE(run_until([&] { return error->done; }));
  ASSERT_TRUE(error->reply);
  EXPECT_EQ(error->reply->type, Type::error);
  EXPECT_NE(error->reply->str.find("not an integer"), std::string::npos);
  EXPECT_EQ(error->error, "");
}

TEST_F(RedisClientTest, PipelinedCommandsKeepTheirOrder) {
  auto c = client("cmd");
  start_and_wait(c);
  std::vector<std::shared_ptr<Result>> results;
  for (int i = 0; i < 2000; ++i)
    results.push_back(send(c, i % 2 ? std::vector<std::string>{"INCR", "counter"}
                                    : std::vector<std::string>{"ECHO", std::to_string(i)}));
  ASSERT_TRUE(run_until([&] { return results.back()->done; }));
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(results[i]->reply) << i;
    if (i % 2)
      EXPECT_EQ(results[i]->reply->integer, (i + 1) / 2) << i;
    else
      EXPECT_EQ(results[i]->reply->str, std::to_string(i)) << i;
  }
}

TEST_F(RedisClientTest, FailuresAreNeverInline) {
  auto c = client("cmd");
  auto before_start = send(c, {"PING"});
  EXPECT_FALSE(before_start->done);  // posted, not called from inside command()
  c->start();
  EXPECT_FALSE(c->connected());
  auto while_connecting = send(c, {"PING"});
  EXPECT_FALSE(while_connecting->done);
  ASSERT_TRUE(run_until([&] { return c->connected(); }));
  EXPECT_TRUE(before_start->done);
  EXPECT_EQ(before_start->error, "not connected to redis");
  EXPECT_FALSE(before_start->reply);
  EXPECT_EQ(while_connecting->error, "not connected to redis");

  auto empty = send(c, {});
  ASSERT_TRUE(run_until([&] { return empty->done; }));
  EXPECT_FALSE(empty->reply);
}

TEST_F(RedisClientTest, MaxPendingFailsTheRest) {
  RedisClientOptions options;
  options.max_pending = 3;
  auto c = RedisClient::create(io_, url(), options);
  clients_.push_back(c);
  start_and_wait(c);
  std::vector<std::shared_ptr<Result>> results;
  for (int i = 0; i < 5; ++i)
    results.push_back(send(c, {"ECHO", std::to_string(i)}));
  ASSERT_TRUE(run_until([&] { return results.back()->done && results[2]->done; }));
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(results[i]->reply) << i;
  for (int i = 3; i < 5; ++i) {
    EXPECT_FALSE(results[i]->reply) << i;
    EXPECT_EQ(results[i]->error, "too many pending redis commands");
  }
}

TEST_F(RedisClientTest, StopFailsPendingCommandsAndGoesQuiet) {
  auto c = client("cmd");
  int changes = 0;
  c->on_connection_change([&](bool) { ++changes; });
  start_and_wait(c);
  EXPECT_EQ(changes, 1);
  auto blocked = send(c, {"BLPOP", "nothing-here", "0"});  // waits forever
  io_.restart();
  io_.run_for(20ms);
  EXPECT_FALSE(blocked->done);
  c->stop();
  EXPECT_FALSE(blocked->done);  // posted
  EXPECT_FALSE(c->connected());
  ASSERT_TRUE(run_until([&] { return blocked->done; }));
  EXPECT_EQ(blocked->error, "redis client stopped");
  auto after = send(c, {"PING"});
  ASSERT_TRUE(run_until([&] { return after->done; }));
  EXPECT_EQ(after->error, "redis client stopped");
  io_.restart();
  io_.run_for(50ms);
  EXPECT_EQ(changes, 1);  // no "disconnected" after stop()
}

TEST_F(RedisClientTest, AuthAndSelect) {
  redis_.stop();
  ASSERT_TRUE(start_redis({"--requirepass", "sekret"}));
  auto c3 = client("db3", url("sekret", 3));
  auto c0 = client("db0", url("sekret", 0));
  start_and_wait(c3);
  start_and_wait(c0);
  call(c3, {"SET", "where", "db3"});
  EXPECT_EQ(call(c3, {"GET", "where"}).str, "db3");
  EXPECT_EQ(call(c0, {"GET", "where"}).type, Type::nil);
  EXPECT_NE(call(c3, {"CLIENT", "INFO"}).str.find(" db=3 "), std::string::npos);
}

TEST_F(RedisClientTest, WrongPasswordIsLoggedWithoutThePassword) {
  redis_.stop();
  ASSERT_TRUE(start_redis({"--requirepass", "right-one"}));
  auto logged = std::make_shared<std::ostringstream>();
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*logged)));
  auto wrong = client("wrong", url("wrong-one"));
  auto none = client("none", url());
  int changes = 0;
  wrong->on_connection_change([&](bool) { ++changes; });
  wrong->start();
  none->start();
  run_until([] { return false; }, 400ms);
  spdlog::set_default_logger(previous);
  EXPECT_FALSE(wrong->connected());
  EXPECT_FALSE(none->connected());
  EXPECT_EQ(changes, 0);
  std::string text = logged->str();
  EXPECT_NE(text.find("AUTH failed"), std::string::npos) << text;
  EXPECT_NE(text.find("NOAUTH"), std::string::npos) << text;  // the one without a password
  EXPECT_EQ(text.find("wrong-one"), std::string::npos) << text;
  EXPECT_NE(text.find(":***@"), std::string::npos) << text;
}

TEST_F(RedisPubSubTest, PublishReachesSubscribeAndPsubscribe) {
  auto sub = client("sub");
  auto psub = client("psub");
  auto pub = client("pub");
  std::vector<std::pair<std::string, std::string>> got_sub, got_psub;
  sub->on_message(
      [&](std::string_view ch, std::string_view msg) { got_sub.emplace_back(ch, msg); });
  psub->on_message(
      [&](std::string_view ch, std::string_view msg) { got_psub.emplace_back(ch, msg); });
  sub->subscribe("news");
  psub->psubscribe("ne*");
  start_and_wait(sub);  // ready means subscribed
  start_and_wait(psub);
  start_and_wait(pub);

  RedisReply receivers = call(pub, {"PUBLISH", "news", "hello"});
  EXPECT_EQ(receivers.type, Type::integer);
  EXPECT_EQ(receivers.integer, 2);
  std::string binary("\x00\x01\r\n", 4);
  call(pub, {"PUBLISH", "news", binary});
  call(pub, {"PUBLISH", "other", "not for us"});
  ASSERT_TRUE(run_until([&] { return got_sub.size() == 2 && got_psub.size() == 2; }));
  EXPECT_EQ(got_sub[0], std::make_pair(std::string("news"), std::string("hello")));
  EXPECT_EQ(got_sub[1].second, binary);
  EXPECT_EQ(got_psub[0], std::make_pair(std::string("news"), std::string("hello")));
  EXPECT_EQ(got_psub[1].second, binary);

  // Subscribing later, on a connected client.
  sub->subscribe("late");
  ASSERT_TRUE(run_until([&] { return numsub(pub, "NUMSUB", "late") == 1; }));
  call(pub, {"PUBLISH", "late", "you made it"});
  ASSERT_TRUE(run_until([&] { return got_sub.size() == 3; }));
  EXPECT_EQ(got_sub[2], std::make_pair(std::string("late"), std::string("you made it")));
  EXPECT_EQ(got_psub.size(), 2u);
}

TEST_F(RedisPubSubTest, ShardedPublish) {
  auto sub = client("ssub");
  auto pub = client("pub");
  std::vector<std::pair<std::string, std::string>> got;
  sub->on_message([&](std::string_view ch, std::string_view msg) { got.emplace_back(ch, msg); });
  sub->ssubscribe("shard-1");
  sub->ssubscribe("shard-2");
  start_and_wait(sub);
  start_and_wait(pub);
  EXPECT_EQ(call(pub, {"SPUBLISH", "shard-2", "two"}).integer, 1);
  EXPECT_EQ(call(pub, {"SPUBLISH", "shard-1", "one"}).integer, 1);
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
  EXPECT_EQ(got[0], std::make_pair(std::string("shard-2"), std::string("two")));
  EXPECT_EQ(got[1], std::make_pair(std::string("shard-1"), std::string("one")));
  EXPECT_EQ(numsub(pub, "SHARDNUMSUB", "shard-1"), 1);
  sub->sunsubscribe("shard-1");
  ASSERT_TRUE(run_until([&] { return numsub(pub, "SHARDNUMSUB", "shard-1") == 0; }));
  EXPECT_EQ(numsub(pub, "SHARDNUMSUB", "shard-2"), 1);
}

TEST_F(RedisPubSubTest, NumsubFollowsSubscriptions) {
  auto a = client("a");
  auto b = client("b");
  auto pub = client("pub");
  a->subscribe("room");
  b->subscribe("room");
  b->psubscribe("r*");
  start_and_wait(a);
  start_and_wait(b);
  start_and_wait(pub);
  RedisReply reply = call(pub, {"PUBSUB", "NUMSUB", "room", "empty"});
  ASSERT_EQ(reply.type, Type::array);
  ASSERT_EQ(reply.elements.size(), 4u);
  EXPECT_EQ(reply.elements[0].str, "room");
  EXPECT_EQ(reply.elements[1].integer, 2);
  EXPECT_EQ(reply.elements[2].str, "empty");
  EXPECT_EQ(reply.elements[3].integer, 0);
  EXPECT_EQ(call(pub, {"PUBSUB", "NUMPAT"}).integer, 1);

  a->unsubscribe("room");
  a->unsubscribe("never-subscribed");  // a no-op
  b->punsubscribe("r*");
  ASSERT_TRUE(run_until([&] { return numsub(pub, "NUMSUB", "room") == 1; }));
  ASSERT_TRUE(run_until([&] { return call(pub, {"PUBSUB", "NUMPAT"}).integer == 0; }));
  EXPECT_TRUE(a->connected());
  EXPECT_TRUE(b->connected());
  // A subscriber connection still answers PING (["pong", ""] in subscriber mode).
  EXPECT_EQ(call(b, {"PING"}).type, Type::array);
}

TEST_F(RedisReconnectTest, SurvivesRedisRestart) {
  auto pub = client("pub");
  auto sub = client("sub");
  std::vector<bool> pub_changes, sub_changes;
  pub->on_connection_change([&](bool up) { pub_changes.push_back(up); });
  sub->on_connection_change([&](bool up) { sub_changes.push_back(up); });
  std::vector<std::string> got;
  sub->on_message([&](std::string_view, std::string_view msg) { got.emplace_back(msg); });
  sub->subscribe("events");
  start_and_wait(pub);
  start_and_wait(sub);

  auto pending = send(pub, {"BLPOP", "never", "0"});
  io_.restart();
  io_.run_for(20ms);
  ASSERT_FALSE(pending->done);

  redis_.kill_hard();
  ASSERT_TRUE(run_until([&] { return pending->done; }));
  EXPECT_FALSE(pending->reply);
  EXPECT_EQ(pending->error, "redis connection lost");
  ASSERT_TRUE(run_until([&] { return !pub->connected() && !sub->connected(); }));
  EXPECT_EQ(pub_changes, (std::vector<bool>{true, false}));
  EXPECT_EQ(sub_changes, (std::vector<bool>{true, false}));

  auto while_down = send(pub, {"GET", "x"});
  EXPECT_FALSE(while_down->done);  // posted
  ASSERT_TRUE(run_until([&] { return while_down->done; }, 200ms));
  EXPECT_EQ(while_down->error, "not connected to redis");

  run_until([] { return false; }, 150ms);  // a few failed reconnects
  ASSERT_TRUE(redis_.start(port_)) << "could not restart redis-server on port " << port_;
  ASSERT_TRUE(run_until([&] { return pub->connected() && sub->connected(); }, 5s));
  EXPECT_EQ(pub_changes, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(sub_changes, (std::vector<bool>{true, false, true}));

  // The subscription was renewed before the client said it was connected.
  EXPECT_EQ(call(pub, {"PUBLISH", "events", "back"}).integer, 1);
  ASSERT_TRUE(run_until([&] { return got.size() == 1; }));
  EXPECT_EQ(got[0], "back");
  EXPECT_EQ(call(pub, {"SET", "k", "v"}).str, "OK");
}

TEST_F(RedisReconnectTest, ConnectsOnceRedisComesUp) {
  redis_.stop();
  auto c = client("late");
  c->start();
  run_until([] { return false; }, 200ms);
  EXPECT_FALSE(c->connected());
  ASSERT_TRUE(redis_.start(port_));
  ASSERT_TRUE(run_until([&] { return c->connected(); }, 5s));
  EXPECT_EQ(call(c, {"PING"}).str, "PONG");
}

// A fake Redis: an acceptor on this io_context that answers every connection with `answer` once
// the client has sent something, and keeps the connection open.
class FakeServer {
 public:
  FakeServer(asio::io_context& io, std::string answer)
      : acceptor_(io, {asio::ip::make_address_v4("127.0.0.1"), 0}), answer_(std::move(answer)) {
    accept();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int accepted = 0;

 private:
  struct Connection {
    explicit Connection(net::tcp::socket s) : socket(std::move(s)) {}
    net::tcp::socket socket;
    std::array<char, 4096> buffer;
  };

  void accept() {
    acceptor_.async_accept([this](net::error_code ec, net::tcp::socket socket) {
      if (ec) return;
      ++accepted;
      auto c = std::make_shared<Connection>(std::move(socket));
      connections_.push_back(c);
      c->socket.async_read_some(asio::buffer(c->buffer), [this, c](net::error_code ec, size_t) {
        if (ec || answer_.empty()) return;
        asio::async_write(c->socket, asio::buffer(answer_), [](net::error_code, size_t) {});
      });
      accept();
    });
  }

  net::tcp::acceptor acceptor_;
  std::string answer_;
  std::vector<std::shared_ptr<Connection>> connections_;
};

class RedisFakeServerTest : public ::testing::Test {
 protected:
  std::shared_ptr<RedisClient> client(uint16_t port) {
    RedisUrl url;
    url.port = port;
    RedisClientOptions options;
    options.name = "fake";
    options.reconnect_min = 10ms;
    options.reconnect_max = 40ms;
    options.connect_timeout = 150ms;
    return RedisClient::create(io_, url, options);
  }
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 3s) {
    return redis_test::run_io_until(io_, done, timeout);
  }
  void finish(const std::shared_ptr<RedisClient>& c) {
    c->stop();
    io_.restart();
    io_.run_for(30ms);
  }
  asio::io_context io_;
};

TEST_F(RedisFakeServerTest, GarbageDropsTheConnectionAndReconnects) {
  FakeServer server(io_, "!!! this is not RESP\r\n");
  auto c = client(server.port());
  int changes = 0;
  c->on_connection_change([&](bool) { ++changes; });
  c->start();
  ASSERT_TRUE(run_until([&] { return server.accepted >= 3; }));
  EXPECT_FALSE(c->connected());
  EXPECT_EQ(changes, 0);
  finish(c);
}

TEST_F(RedisFakeServerTest, UnexpectedReplyDropsAReadyConnection) {
  // "+PONG" makes the connection ready, the extra reply nobody asked for breaks it.
  FakeServer server(io_, "+PONG\r\n+SURPRISE\r\n");
  auto c = client(server.port());
  std::vector<bool> changes;
  c->on_connection_change([&](bool up) { changes.push_back(up); });
  c->start();
  ASSERT_TRUE(run_until([&] { return changes.size() >= 4; }));
  EXPECT_EQ(changes, (std::vector<bool>{true, false, true, false}));
  EXPECT_GE(server.accepted, 2);
  finish(c);
}

TEST_F(RedisFakeServerTest, SilentServerTimesOut) {
  FakeServer server(io_, "");
  auto c = client(server.port());
  c->start();
  ASSERT_TRUE(run_until([&] { return server.accepted >= 2; }));
  EXPECT_FALSE(c->connected());
  finish(c);
}

}  // namespace
}  // namespace soket::cluster
