#pragma once

// A real redis-server for the unit tests that need one: started on a free port for each test and
// stopped by its PID (skipped when /usr/bin/redis-server is missing), and a fixture with clients on
// it and an io_context run in bounded steps.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "soket/cluster/redis_client.hpp"

extern char** environ;

namespace soket::cluster::redis_test {

using namespace std::chrono_literals;
using Type = RedisReply::Type;
namespace asio = net::asio;

// Runs `io` until `done` holds or `timeout` passes; every wait in the Redis tests is one.
inline bool run_io_until(asio::io_context& io, const std::function<bool()>& done,
                         std::chrono::milliseconds timeout = 3s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(5ms);
  }
  return true;
}

constexpr const char* kRedisServer = "/usr/bin/redis-server";

inline bool port_is_free(uint16_t port) {
  asio::io_context io;
  net::tcp::acceptor acceptor(io);
  net::error_code ec;
  acceptor.open(net::tcp::v4(), ec);
  if (!ec) acceptor.bind({asio::ip::make_address_v4("127.0.0.1"), port}, ec);
  return !ec;
}

inline bool accepts_connections(uint16_t port) {
  asio::io_context io;
  net::tcp::socket socket(io);
  net::error_code ec;
  socket.connect({asio::ip::make_address_v4("127.0.0.1"), port}, ec);
  return !ec;
}

// One redis-server process, bound to 127.0.0.1.
class RedisProcess {
 public:
  ~RedisProcess() { stop(); }

  bool start(uint16_t port, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {kRedisServer, "--port",       std::to_string(port),
                                     "--bind",     "127.0.0.1",    "--save",
                                     "",           "--appendonly", "no"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(&pid_, kRedisServer, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: the port was taken, say
        pid_ = -1;
        return false;
      }
      if (accepts_connections(port)) return true;
      std::this_thread::sleep_for(10ms);
    }
    stop();
    return false;
  }

  // SIGTERM, then SIGKILL if it has not exited within two seconds.
  void stop() { signal_and_wait(SIGTERM, 2s); }
  void kill_hard() { signal_and_wait(SIGKILL, 2s); }

 private:
  void signal_and_wait(int sig, std::chrono::milliseconds grace) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(5ms);
    }
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  pid_t pid_ = -1;
};

// A reply or failure, kept for the test to look at.
struct Result {
  bool done = false;
  std::optional<RedisReply> reply;
  std::string error;
};

class RedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kRedisServer, X_OK) != 0) GTEST_SKIP() << kRedisServer << " is not installed";
    ASSERT_TRUE(start_redis()) << "could not start redis-server";
  }

  void TearDown() override {
    for (auto& client : clients_)
      client->stop();
    io_.restart();
    io_.run_for(50ms);  // let the stopped clients' handlers finish
    clients_.clear();
    redis_.stop();
  }

  // A free port in [20000, 32000), below the ephemeral range; retried if redis cannot bind it.
  bool start_redis(const std::vector<std::string>& extra = {}) {
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> pick(20000, 31999);
    for (int attempt = 0; attempt < 20; ++attempt) {
      auto port = static_cast<uint16_t>(pick(random));
      if (!port_is_free(port)) continue;
      if (redis_.start(port, extra)) {
        port_ = port;
        return true;
      }
    }
    return false;
  }

  RedisUrl url(const std::string& password = "", int db = 0) {
    RedisUrl u;
    u.port = port_;
    u.password = password;
    u.db = db;
    return u;
  }

  std::shared_ptr<RedisClient> client(const std::string& name) { return client(name, url()); }
  std::shared_ptr<RedisClient> client(const std::string& name, RedisUrl u) {
    RedisClientOptions options;
    options.name = name;
    options.reconnect_min = 20ms;
    options.reconnect_max = 100ms;
    options.connect_timeout = 1000ms;
    auto c = RedisClient::create(io_, std::move(u), options);
    clients_.push_back(c);
    return c;
  }

  // Runs the io_context until `done` holds or `timeout` passes; every wait in these tests is one.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 3s) {
    return run_io_until(io_, done, timeout);
  }

  void start_and_wait(const std::shared_ptr<RedisClient>& c) {
    c->start();
    ASSERT_TRUE(run_until([&] { return c->connected(); })) << "client did not connect";
  }

  std::shared_ptr<Result> send(const std::shared_ptr<RedisClient>& c,
                               std::vector<std::string> args) {
    auto result = std::make_shared<Result>();
    c->command(std::move(args), [result](const RedisReply* reply, std::string_view error) {
      result->done = true;
      if (reply) result->reply = *reply;
      result->error = error;
    });
    return result;
  }

  // Sends a command and waits for its reply (failing the test if none comes).
  RedisReply call(const std::shared_ptr<RedisClient>& c, std::vector<std::string> args) {
    auto result = send(c, std::move(args));
    EXPECT_TRUE(run_until([&] { return result->done; }));
    EXPECT_TRUE(result->reply) << result->error;
    return result->reply.value_or(RedisReply{});
  }

  long long numsub(const std::shared_ptr<RedisClient>& c, const std::string& command,
                   const std::string& channel) {
    RedisReply reply = call(c, {"PUBSUB", command, channel});
    if (reply.type != Type::array || reply.elements.size() != 2) return -1;
    return reply.elements[1].integer;
  }

  asio::io_context io_;
  RedisProcess redis_;
  uint16_t port_ = 0;
  std::vector<std::shared_ptr<RedisClient>> clients_;
};

}  // namespace soket::cluster::redis_test
