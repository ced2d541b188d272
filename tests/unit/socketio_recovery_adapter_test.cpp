// Connection state recovery behind the adapter's interface (keep_for_recovery, last_offset,
// persist_session, restore_session), as a cluster adapter keeping sessions in its broker would
// provide it: its own offsets and an answer that comes later. Real server, WebSocket clients.
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <map>
#include <thread>

#include "soket/http/server.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"
#include "ws_test_client.hpp"

namespace soket::socketio {
namespace {

namespace asio = net::asio;
using namespace std::chrono_literals;

// What the adapter saw, read by the test after the server's thread wrote it.
struct BrokerLog {
  int persisted = 0;
  int restores = 0;
};

// Keeps sessions and packets as a broker would, with offsets "broker-N", and answers restore
// requests 50 ms later on the namespace's thread. Replays every kept packet after the offset
// (the test's sockets are all in every broadcast).
class BrokerLikeAdapter : public InMemoryAdapter {
 public:
  BrokerLikeAdapter(Namespace& nsp, asio::io_context& io, BrokerLog& log)
      : InMemoryAdapter(nsp), io_(io), log_(log) {}

  EncodedPacket keep_for_recovery(Packet& packet, const BroadcastOptions&) override {
    auto offset = "broker-" + std::to_string(packets_.size() + 1);
    packet.data.as_array().emplace_back(offset);
    packets_.push_back(encode(packet));
    return packets_.back();
  }
  std::string last_offset() override { return "broker-" + std::to_string(packets_.size()); }
  void persist_session(SocketSession session) override {
    ++log_.persisted;
    sessions_by_pid_[session.pid] = std::move(session);
  }
  void restore_session(std::string pid, std::optional<std::string> offset,
                       RestoreSessionCallback done) override {
    ++log_.restores;
    auto timer = std::make_shared<asio::steady_timer>(io_, 50ms);
    timer->async_wait([this, timer, pid, offset, done = std::move(done)](auto) {
      auto it = sessions_by_pid_.find(pid);
      if (it == sessions_by_pid_.end()) return done(std::nullopt);
      auto after = std::stoul((offset ? *offset : it->second.start).substr(7));
      RestoredSession restored{std::move(it->second), {}};
      sessions_by_pid_.erase(it);
      for (auto i = after; i < packets_.size(); ++i)
        restored.missed.push_back(packets_[i]);
      done(std::move(restored));
    });
  }

 private:
  asio::io_context& io_;
  BrokerLog& log_;
  std::vector<EncodedPacket> packets_;
  std::map<std::string, SocketSession> sessions_by_pid_;
};

class RecoveryAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_ = http::Server::create(io_);
    ServerOptions options;
    options.connection_state_recovery = ConnectionStateRecoveryOptions{};
    options.adapter = [this](Namespace& nsp) {
      return std::make_unique<BrokerLikeAdapter>(nsp, io_, log_);
    };
    server_ = std::make_unique<Server>(io_, options);
    server_->on_connection([this](Socket& socket) {
      recovered_.push_back(socket.recovered());
      socket.join("field");
      socket.on("everyone", [this](Socket&, Message& m, Ack&) {
        server_->main().emit_message("news", std::move(m));
      });
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
  template <class Fn>
  auto on_server(Fn fn) {
    return asio::post(io_, asio::use_future(std::move(fn))).get();
  }

  asio::io_context io_{1};
  BrokerLog log_;
  std::vector<bool> recovered_;  // written on the server's thread
  std::shared_ptr<http::Server> http_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::thread thread_;
  asio::io_context client_io_;
};

TEST_F(RecoveryAdapterTest, AnAdapterOfItsOwnKeepsNumbersAndRestoresLater) {
  auto sender = std::make_unique<test::WsClient>(client_io_, port_);
  auto client = std::make_unique<test::WsClient>(client_io_, port_);
  auto sid = client->sid();
  auto pid = std::string(client->connect_payload().at("pid").as_string());

  sender->emit(R"(["everyone","seen"])");
  EXPECT_EQ(client->read(), R"(42["news","seen","broker-1"])");
  client.reset();  // the connection is lost (no DISCONNECT packet)
  for (int i = 0; i < 100 && on_server([this] { return log_.persisted; }) == 0; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(on_server([this] { return log_.persisted; }), 1);

  sender->emit(R"(["everyone","missed"])");
  EXPECT_EQ(sender->read(), R"(42["news","seen","broker-1"])");
  EXPECT_EQ(sender->read(), R"(42["news","missed","broker-2"])");

  auto back = std::make_unique<test::WsClient>(client_io_, port_, "/",
                                               R"({"pid":")" + pid + R"(","offset":"broker-1"})");
  EXPECT_EQ(back->sid(), sid);
  EXPECT_EQ(back->connect_payload().at("pid").as_string(), pid);
  ASSERT_EQ(back->before_connect().size(), 1u);
  EXPECT_EQ(back->before_connect()[0], R"(42["news","missed","broker-2"])");
  EXPECT_EQ(on_server([this] { return recovered_; }), (std::vector<bool>{false, false, true}));
  // Its room came back with it.
  auto rooms = on_server([this, sid] { return server_->main().adapter().socket_rooms(sid); });
  EXPECT_NE(std::find(rooms.begin(), rooms.end(), "field"), rooms.end());

  // A pid the adapter does not know: a new session, after the adapter's (late) answer.
  auto stranger = std::make_unique<test::WsClient>(client_io_, port_, "/", R"({"pid":"nobody"})");
  EXPECT_NE(stranger->sid(), sid);
  EXPECT_TRUE(stranger->before_connect().empty());
  EXPECT_EQ(on_server([this] { return log_.restores; }), 2);
}

}  // namespace
}  // namespace soket::socketio
