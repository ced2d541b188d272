// The simulator against a small fake line server (and a fake UDP receiver) on 127.0.0.1. The fake
// server runs on its own io_context thread, the simulator on another; the test thread waits on
// what the fake server recorded.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "soket/gateway/device_server.hpp"
#include "soket/net/asio.hpp"
#include "soket/simulator/simulator.hpp"

namespace soket::simulator {
namespace {

using namespace std::chrono_literals;
namespace asio = net::asio;
using net::error_code;
using net::tcp;
using net::udp;

// One line a device sent, as the fake server saw it.
struct Seen {
  int connection = 0;  // numbered from 1 in accept order
  std::string device;  // from the connection's HELLO ("" before it)
  std::string text;
};

// How the fake server answers a device's messages.
enum class Answer {
  ok,            // OK to HELLO and readings (a soket server)
  silent,        // nothing at all
  hello_only,    // OK to HELLO, nothing to readings
  refuse_hello,  // ERR to HELLO
};

// Records lines; the test thread waits on them.
class Record {
 public:
  void add(Seen seen) {
    {
      std::lock_guard lock(mutex_);
      lines_.push_back(std::move(seen));
    }
    cv_.notify_all();
  }
  void closed(int connection) {
    {
      std::lock_guard lock(mutex_);
      closed_.insert(connection);
    }
    cv_.notify_all();
  }
  // Polls until `done(lines)` holds (true) or the timeout passes (false). `done` runs without the
  // lock held, so it may look at anything (stats, closed connections).
  bool wait(const std::function<bool(const std::vector<Seen>&)>& done,
            std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (done(lines())) return true;
      std::unique_lock lock(mutex_);
      if (cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + 10ms)) ==
              std::cv_status::timeout &&
          std::chrono::steady_clock::now() >= deadline) {
        lock.unlock();
        return done(lines());
      }
    }
  }
  std::vector<Seen> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::set<int> closed_connections() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Seen> lines_;
  std::set<int> closed_;
};

// Runs an io_context on a thread; call() runs work on it and waits.
class IoThread {
 public:
  IoThread() : thread_([this] { io.run(); }) {}
  ~IoThread() { stop(); }
  void stop() {
    guard_.reset();
    io.stop();
    if (thread_.joinable()) thread_.join();
  }
  template <class F>
  auto call(F f) -> decltype(f()) {
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    auto result = task->get_future();
    asio::post(io, [task] { (*task)(); });
    if (result.wait_for(5s) != std::future_status::ready) throw std::runtime_error("io timeout");
    return result.get();
  }
  asio::io_context io;

 private:
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io);
  std::thread thread_;
};

// A device line server that speaks just enough of the protocol. Used on its io thread only.
class FakeLineServer {
 public:
  FakeLineServer(asio::io_context& io, Record& record) : io_(io), record_(record) {}

  void listen(uint16_t port) {
    acceptor_ = std::make_unique<tcp::acceptor>(io_);
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    acceptor_->open(endpoint.protocol());
    acceptor_->set_option(asio::socket_base::reuse_address(true));
    acceptor_->bind(endpoint);
    acceptor_->listen();
    accept_next();
  }
  void stop_listening() {
    if (acceptor_) acceptor_->close();
    acceptor_.reset();
  }
  void close_all() {
    for (auto& [no, s] : sessions_) {
      error_code ignored;
      s->socket.close(ignored);
    }
    sessions_.clear();
  }
  // Sends a line to the newest connection of `device`; false when it has none.
  bool send_to(const std::string& device, const std::string& line) {
    for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it) {
      if (it->second->device == device) {
        write(it->second, line);
        return true;
      }
    }
    return false;
  }
  Answer answer = Answer::ok;

 private:
  struct Session {
    explicit Session(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::string buffer;
    std::deque<std::string> out;
    int no = 0;
    std::string device;
  };
  using SessionPtr = std::shared_ptr<Session>;

  void accept_next() {
    acceptor_->async_accept([this, acceptor = acceptor_.get()](error_code ec, tcp::socket socket) {
      if (ec || acceptor != acceptor_.get()) return;
      auto s = std::make_shared<Session>(std::move(socket));
      s->no = ++connections_;
      sessions_[s->no] = s;
      read_next(s);
      accept_next();
    });
  }

  void read_next(const SessionPtr& s) {
    asio::async_read_until(s->socket, asio::dynamic_buffer(s->buffer, 8192), '\n',
                           [this, s](error_code ec, std::size_t n) {
                             if (ec) {
                               record_.closed(s->no);
                               sessions_.erase(s->no);
                               return;
                             }
                             std::string line = s->buffer.substr(0, n - 1);
                             s->buffer.erase(0, n);
                             on_line(s, line);
                             read_next(s);
                           });
  }

  void on_line(const SessionPtr& s, const std::string& line) {
    bool hello = line.rfind("HELLO ", 0) == 0;
    if (hello) {
      auto end = line.find(' ', 6);
      s->device = line.substr(6, end == std::string::npos ? std::string::npos : end - 6);
    }
    record_.add({s->no, s->device, line});
    if (line == "OK" || line.rfind("ERR", 0) == 0) return;  // a reply to our command
    switch (answer) {
      case Answer::ok:
        return write(s, "OK");
      case Answer::silent:
        return;
      case Answer::hello_only:
        if (hello) write(s, "OK");
        return;
      case Answer::refuse_hello:
        return write(s, hello ? "ERR unknown token" : "OK");
    }
  }

  void write(const SessionPtr& s, std::string line) {
    s->out.push_back(std::move(line) + "\n");
    if (s->out.size() == 1) write_next(s);
  }
  void write_next(const SessionPtr& s) {
    asio::async_write(s->socket, asio::buffer(s->out.front()),
                      [this, s](error_code ec, std::size_t) {
                        if (ec) return;
                        s->out.pop_front();
                        if (!s->out.empty()) write_next(s);
                      });
  }

  asio::io_context& io_;
  Record& record_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::map<int, SessionPtr> sessions_;
  int connections_ = 0;
};

// A UDP receiver that records datagrams (device = sender port) and answers OK if told to.
class FakeUdpServer {
 public:
  FakeUdpServer(asio::io_context& io, Record& record) : socket_(io), record_(record) {}
  void bind(uint16_t port) {
    udp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    socket_.open(endpoint.protocol());
    socket_.bind(endpoint);
    receive_next();
  }
  void close() {
    error_code ignored;
    socket_.close(ignored);
  }
  bool reply = true;

 private:
  void receive_next() {
    socket_.async_receive_from(
        asio::buffer(buffer_), sender_, [this](error_code ec, std::size_t n) {
          if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
          if (!ec) {
            record_.add({sender_.port(), "", std::string(buffer_.data(), n)});
            if (reply) socket_.send_to(asio::buffer(std::string("OK\n")), sender_, 0, ec);
          }
          receive_next();
        });
  }
  udp::socket socket_;
  Record& record_;
  std::array<char, 2048> buffer_{};
  udp::endpoint sender_;
};

// A free port in [20000, 32000) for TCP (and UDP when `udp`), bound by `bind` on the io thread.
uint16_t bind_free_port(IoThread& io, const std::function<void(uint16_t)>& bind) {
  static std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto port = static_cast<uint16_t>(20000 + rng() % 12000);
    try {
      io.call([&] { bind(port); });
      return port;
    } catch (const boost::system::system_error&) {
    }
  }
  throw std::runtime_error("no free port");
}

SimulatorOptions fast_options(uint16_t tcp_port, uint16_t udp_port) {
  SimulatorOptions o;
  o.tcp_port = tcp_port;
  o.udp_port = udp_port;
  o.lamps = 2;
  o.alleys = 2;
  o.greenhouses = 1;
  o.udp_share = 0;
  o.interval = 100ms;
  o.reply_timeout = 1000ms;
  o.backoff_initial = 20ms;
  o.backoff_max = 200ms;
  o.seed = 7;
  return o;
}

// The fake server and a simulator, each on its own thread.
class SimulatorNetwork : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = bind_free_port(server_io_, [this](uint16_t port) { server_.listen(port); });
  }
  void TearDown() override {
    if (sim_) sim_->stop();
    sim_io_.stop();
    sim_.reset();
    server_io_.call([this] {
      server_.stop_listening();
      server_.close_all();
      udp_server_.close();
    });
    server_io_.stop();
  }
  void start(const SimulatorOptions& options) {
    sim_ = std::make_unique<Simulator>(sim_io_.io, options);
    sim_->start();
  }
  // Every device in `ids` has sent at least `n` readings after its newest HELLO.
  static bool readings_after_hello(const std::vector<Seen>& lines,
                                   const std::vector<std::string>& ids, int n) {
    for (const auto& id : ids) {
      int count = -1;
      for (const auto& l : lines) {
        if (l.device != id) continue;
        if (l.text.rfind("HELLO ", 0) == 0) {
          count = 0;
        } else if (count >= 0 && l.text.find('=') != std::string::npos) {
          ++count;
        }
      }
      if (count < n) return false;
    }
    return true;
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& d : sim_->devices())
      out.push_back(d.id);
    return out;
  }

  Record record_;
  IoThread server_io_;
  FakeLineServer server_{server_io_.io, record_};
  FakeUdpServer udp_server_{server_io_.io, record_};
  uint16_t port_ = 0;
  IoThread sim_io_;
  std::unique_ptr<Simulator> sim_;
};

TEST_F(SimulatorNetwork, DevicesSayHelloThenSendReadings) {
  start(fast_options(port_, port_));
  ASSERT_TRUE(record_.wait([&](auto& lines) { return readings_after_hello(lines, ids(), 3); }));

  std::map<std::string, std::vector<std::string>> by_device;
  for (const auto& l : record_.lines())
    by_device[l.device].push_back(l.text);
  EXPECT_EQ(by_device.count(""), 0u) << "a line came before HELLO";
  EXPECT_EQ(by_device.size(), 5u);
  EXPECT_EQ(by_device["light-gang-1"].front(), "HELLO light-gang-1 group=gang-1 kind=light");
  EXPECT_EQ(by_device["lamp-gang-1-1"].front(), "HELLO lamp-gang-1-1 group=gang-1 kind=lamp");
  EXPECT_EQ(by_device["lamp-gang-2-1"].front(), "HELLO lamp-gang-2-1 group=gang-2 kind=lamp");
  EXPECT_EQ(by_device["greenhouse-1"].front(),
            "HELLO greenhouse-1 group=greenhouses kind=greenhouse");
  std::regex light("^light=[0-9]+\\.[0-9]$"), lamp("^lamp=0$"),
      greenhouse("^temp=[0-9]+\\.[0-9] hum=[0-9]+\\.[0-9] fan=0 pump=0$");
  for (const auto& [device, lines] : by_device) {
    const std::regex& format = device.rfind("light", 0) == 0  ? light
                               : device.rfind("lamp", 0) == 0 ? lamp
                                                              : greenhouse;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      EXPECT_TRUE(std::regex_match(lines[i], format)) << device << ": " << lines[i];
    }
  }
  auto stats = sim_->stats();
  EXPECT_EQ(stats.devices, 5u);
  EXPECT_EQ(stats.tcp_devices, 5u);
  EXPECT_EQ(stats.online, 5u);
  EXPECT_EQ(stats.connects, 5u);
  EXPECT_EQ(stats.hellos_sent, 5u);
  EXPECT_GE(stats.readings_sent, 15u);
  EXPECT_GE(stats.replies_ok, 15u);  // the newest reading's OK may still be on its way
  EXPECT_EQ(stats.replies_err, 0u);
  EXPECT_EQ(stats.reply_timeouts, 0u);
}

TEST_F(SimulatorNetwork, DevicesObeyCommandsAndAnswerThem) {
  auto options = fast_options(port_, port_);
  options.interval = 300ms;
  options.lamps = 3;  // lamp-gang-1-1, lamp-gang-1-2, lamp-gang-2-1
  start(options);
  ASSERT_TRUE(record_.wait([&](auto& lines) { return readings_after_hello(lines, ids(), 1); }));

  // Sends `command` to `device`; returns its answer and (when `reading`) its first reading after
  // the answer.
  auto command = [&](const std::string& device, const std::string& command, bool reading = true) {
    auto from = record_.lines().size();
    EXPECT_TRUE(server_io_.call([&] { return server_.send_to(device, command); }));
    std::pair<std::string, std::string> out;
    record_.wait([&](auto& lines) {
      out = {};
      for (auto i = from; i < lines.size(); ++i) {
        if (lines[i].device != device) continue;
        const auto& t = lines[i].text;
        if (out.first.empty()) {
          if (t == "OK" || t.rfind("ERR", 0) == 0) out.first = t;
        } else if (t.find('=') != std::string::npos) {
          out.second = t;
          break;
        }
      }
      return !out.first.empty() && (!reading || !out.second.empty());
    });
    return out;
  };

  EXPECT_EQ(command("lamp-gang-1-1", "lamp-on"),
            std::make_pair(std::string("OK"), std::string("lamp=1")));
  EXPECT_EQ(command("lamp-gang-1-1", "LED-OFF"),
            std::make_pair(std::string("OK"), std::string("lamp=0")));
  EXPECT_EQ(command("lamp-gang-2-1", "led-on"),
            std::make_pair(std::string("OK"), std::string("lamp=1")));
  EXPECT_EQ(command("lamp-gang-1-1", "dance", false).first, "ERR unknown command: dance");
  auto fan = command("greenhouse-1", "fan-on");
  EXPECT_EQ(fan.first, "OK");
  EXPECT_NE(fan.second.find("fan=1"), std::string::npos) << fan.second;
  // The other lamp of alley 1 was not touched.
  EXPECT_EQ(command("lamp-gang-1-2", "led-off"),
            std::make_pair(std::string("OK"), std::string("lamp=0")));

  auto stats = sim_->stats();
  EXPECT_EQ(stats.commands, 6u);
  EXPECT_EQ(stats.commands_unknown, 1u);
}

TEST_F(SimulatorNetwork, CommandsAreSilentWhenRepliesAreOff) {
  auto options = fast_options(port_, port_);
  options.reply_to_commands = false;
  options.lamps = 1;
  options.alleys = 1;
  options.greenhouses = 0;
  start(options);
  ASSERT_TRUE(record_.wait([&](auto& lines) { return readings_after_hello(lines, ids(), 1); }));
  auto from = record_.lines().size();
  ASSERT_TRUE(server_io_.call([&] { return server_.send_to("lamp-gang-1-1", "lamp-on"); }));
  ASSERT_TRUE(record_.wait([&](auto& lines) {
    for (auto i = from; i < lines.size(); ++i) {
      if (lines[i].text == "lamp=1") return true;
    }
    return false;
  }));
  for (const auto& l : record_.lines())
    EXPECT_NE(l.text, "OK");
}

TEST_F(SimulatorNetwork, ReconnectAfterTheServerClosesEverything) {
  start(fast_options(port_, port_));
  ASSERT_TRUE(record_.wait([&](auto& lines) { return readings_after_hello(lines, ids(), 1); }));
  auto before = record_.lines().size();

  // A restart: connections dropped, nothing listening for a while.
  server_io_.call([&] {
    server_.stop_listening();
    server_.close_all();
  });
  ASSERT_TRUE(record_.wait([&](auto&) { return sim_->stats().connect_failures >= 5; }));
  EXPECT_EQ(sim_->stats().online, 0u);
  server_io_.call([&] { server_.listen(port_); });

  ASSERT_TRUE(record_.wait([&](auto& lines) {
    std::vector<Seen> after(lines.begin() + static_cast<std::ptrdiff_t>(before), lines.end());
    return readings_after_hello(after, ids(), 2);
  }));
  auto stats = sim_->stats();
  EXPECT_EQ(stats.online, 5u);
  EXPECT_EQ(stats.connects, 10u);
  EXPECT_EQ(stats.disconnects, 5u);
  EXPECT_EQ(stats.hellos_sent, 10u);

  // Once more, without the pause: every device comes back again.
  before = record_.lines().size();
  server_io_.call([&] { server_.close_all(); });
  ASSERT_TRUE(record_.wait([&](auto& lines) {
    std::vector<Seen> after(lines.begin() + static_cast<std::ptrdiff_t>(before), lines.end());
    return readings_after_hello(after, ids(), 1);
  }));
  EXPECT_EQ(sim_->stats().connects, 15u);
}

TEST_F(SimulatorNetwork, ReadingsWaitForOkAndASilentServerGetsDropped) {
  auto options = fast_options(port_, port_);
  options.lamps = 1;
  options.alleys = 1;
  options.greenhouses = 0;
  options.interval = 20ms;
  options.reply_timeout = 150ms;
  options.max_missed_replies = 2;
  server_io_.call([&] { server_.answer = Answer::hello_only; });
  start(options);

  // Each device drops its connection after two unanswered readings and comes back.
  ASSERT_TRUE(record_.wait([&](auto&) { return record_.closed_connections().size() >= 4; }));
  std::map<int, int> readings_per_connection;
  for (const auto& l : record_.lines()) {
    if (l.text.find('=') != std::string::npos && l.text.rfind("HELLO", 0) != 0) {
      ++readings_per_connection[l.connection];
    }
  }
  for (int connection : record_.closed_connections()) {
    // Without waiting for OK, 20 ms readings would be ~15 in 300 ms.
    EXPECT_EQ(readings_per_connection[connection], 2) << "connection " << connection;
  }
  auto stats = sim_->stats();
  EXPECT_GE(stats.reply_timeouts, 8u);
  EXPECT_GE(stats.disconnects, 4u);
}

TEST_F(SimulatorNetwork, NoReplyToHelloMeansNoReadings) {
  auto options = fast_options(port_, port_);
  options.reply_timeout = 100ms;
  server_io_.call([&] { server_.answer = Answer::silent; });
  start(options);
  ASSERT_TRUE(record_.wait([&](auto&) { return record_.closed_connections().size() >= 10; }));
  for (const auto& l : record_.lines())
    EXPECT_EQ(l.text.rfind("HELLO ", 0), 0u) << l.text;
  auto stats = sim_->stats();
  EXPECT_EQ(stats.readings_sent, 0u);
  EXPECT_EQ(stats.online, 0u);
  EXPECT_GE(stats.reply_timeouts, 10u);
}

TEST_F(SimulatorNetwork, RefusedHelloIsRetriedWithBackoff) {
  auto options = fast_options(port_, port_);
  options.token = "wrong-token";
  server_io_.call([&] { server_.answer = Answer::refuse_hello; });
  start(options);
  ASSERT_TRUE(record_.wait([&](auto&) { return sim_->stats().hellos_refused >= 15; }));
  for (const auto& l : record_.lines()) {
    EXPECT_EQ(l.text.rfind("HELLO " + l.device + " wrong-token group=", 0), 0u) << l.text;
  }
  auto stats = sim_->stats();
  EXPECT_GE(stats.hellos_refused, 15u);
  EXPECT_EQ(stats.readings_sent, 0u);
}

TEST_F(SimulatorNetwork, OverlongLineFromTheServerDropsTheConnection) {
  auto options = fast_options(port_, port_);
  options.lamps = 1;
  options.alleys = 1;
  options.greenhouses = 0;
  start(options);
  ASSERT_TRUE(record_.wait([&](auto& lines) { return readings_after_hello(lines, ids(), 1); }));
  ASSERT_TRUE(
      server_io_.call([&] { return server_.send_to("lamp-gang-1-1", std::string(5000, 'x')); }));
  ASSERT_TRUE(record_.wait([&](auto&) { return record_.closed_connections().size() >= 1; }));
  // It comes back, and the junk was not taken as a command.
  ASSERT_TRUE(record_.wait([&](auto&) { return sim_->stats().connects >= 2; }));
  EXPECT_EQ(sim_->stats().commands, 0u);
}

TEST_F(SimulatorNetwork, UdpSensorsSayHelloAndWaitForOk) {
  auto port = bind_free_port(server_io_, [this](uint16_t p) { udp_server_.bind(p); });
  auto options = fast_options(port_, port);
  options.lamps = 0;
  options.greenhouses = 0;
  options.alleys = 2;
  options.udp_share = 1;
  options.reply_timeout = 300ms;
  start(options);
  auto per_sender = [&] {
    std::map<int, std::vector<std::string>> out;
    for (const auto& l : record_.lines())
      out[l.connection].push_back(l.text);
    return out;
  };
  ASSERT_TRUE(record_.wait([&](auto&) {
    auto senders = per_sender();
    if (senders.size() != 2) return false;
    for (auto& [port, texts] : senders) {
      if (texts.size() < 4) return false;
    }
    return true;
  }));
  std::set<std::string> hellos;
  for (auto& [sender, texts] : per_sender()) {
    hellos.insert(texts.front());
    for (std::size_t i = 1; i < texts.size(); ++i) {
      EXPECT_TRUE(std::regex_match(texts[i], std::regex("^light=[0-9]+\\.[0-9]$"))) << texts[i];
    }
  }
  EXPECT_EQ(hellos, (std::set<std::string>{"HELLO light-gang-1 group=gang-1 kind=light",
                                           "HELLO light-gang-2 group=gang-2 kind=light"}));
  auto stats = sim_->stats();
  EXPECT_EQ(stats.udp_devices, 2u);
  EXPECT_EQ(stats.connects, 0u);
  EXPECT_EQ(stats.reply_timeouts, 0u);
  EXPECT_GE(stats.replies_ok, 6u);  // the newest OKs may still be on their way

  // Without replies, the sensors fall back to HELLO (the server may have forgotten them).
  server_io_.call([&] { udp_server_.reply = false; });
  auto from = record_.lines().size();
  ASSERT_TRUE(record_.wait([&](auto& lines) {
    int hellos_after = 0;
    for (auto i = from; i < lines.size(); ++i)
      hellos_after += lines[i].text.rfind("HELLO", 0) == 0;
    return hellos_after >= 4;
  }));
  EXPECT_GE(sim_->stats().reply_timeouts, 4u);
}

TEST_F(SimulatorNetwork, FireAndForgetUdpRepeatsItsHello) {
  auto port = bind_free_port(server_io_, [this](uint16_t p) { udp_server_.bind(p); });
  server_io_.call([&] { udp_server_.reply = false; });
  auto options = fast_options(port_, port);
  options.lamps = 0;
  options.greenhouses = 0;
  options.alleys = 1;
  options.udp_share = 1;
  options.udp_wait_ok = false;
  options.udp_hello_every = 3;
  options.interval = 30ms;
  start(options);
  ASSERT_TRUE(record_.wait([&](auto& lines) { return lines.size() >= 9; }));
  auto lines = record_.lines();
  for (std::size_t i = 0; i < 9; ++i) {
    bool hello = lines[i].text.rfind("HELLO light-gang-1 ", 0) == 0;
    EXPECT_EQ(hello, i % 3 == 0) << i << ": " << lines[i].text;
  }
  EXPECT_EQ(sim_->stats().reply_timeouts, 0u);
}

TEST_F(SimulatorNetwork, StopEndsEveryConnectionAndTimer) {
  asio::io_context io;
  auto options = fast_options(port_, port_);
  Simulator sim(io, options);
  sim.start();
  std::thread runner([&] { io.run(); });
  ASSERT_TRUE(record_.wait([&](auto& lines) {
    std::set<std::string> seen;
    for (const auto& l : lines)
      seen.insert(l.device);
    return seen.size() == 5;
  }));
  sim.stop();
  sim.stop();  // idempotent
  // io.run() returns only when no device has anything left to do.
  auto done = std::async(std::launch::async, [&] { runner.join(); });
  ASSERT_EQ(done.wait_for(3s), std::future_status::ready);
  ASSERT_TRUE(record_.wait([&](auto&) { return record_.closed_connections().size() == 5; }));
  EXPECT_THROW(sim.start(), std::logic_error);
}

// Against soket's own device gateway, answering OK like the hub does.
TEST(SimulatorGateway, RealDeviceServerSeesHellosReadingsAndReplies) {
  IoThread server_io;
  Record record;
  std::map<std::string, gateway::DeviceConnectionPtr> by_device;  // io thread only
  gateway::DeviceServer::Handlers handlers;
  handlers.on_message = [&](const gateway::DeviceConnectionPtr& conn,
                            const gateway::DeviceMessage& m) {
    if (m.kind == gateway::DeviceMessageKind::hello) by_device[m.device_id] = conn;
    std::string device;
    for (auto& [id, c] : by_device) {
      if (c == conn) device = id;
    }
    record.add({static_cast<int>(conn->id()), device, m.raw});
    if (m.kind != gateway::DeviceMessageKind::reply) conn->send_line("OK");
  };
  std::unique_ptr<gateway::DeviceServer> server;
  bind_free_port(server_io, [&](uint16_t port) {
    server = std::make_unique<gateway::DeviceServer>(server_io.io, gateway::DeviceServerOptions{},
                                                     handlers);
    server->listen(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    server->start();
  });
  auto port = server_io.call([&] { return server->port(); });

  IoThread sim_io;
  auto options = fast_options(port, port);
  options.lamps = 1;
  options.alleys = 1;
  options.greenhouses = 1;
  auto sim = std::make_unique<Simulator>(sim_io.io, options);
  sim->start();
  ASSERT_TRUE(record.wait([&](auto&) { return sim->stats().online == 3; }));
  ASSERT_TRUE(server_io.call([&] { return by_device.at("lamp-gang-1-1")->send_line("lamp-on"); }));
  ASSERT_TRUE(record.wait([&](auto& lines) {
    bool replied = false;
    for (const auto& l : lines) {
      if (l.device != "lamp-gang-1-1") continue;
      if (l.text == "OK") replied = true;
      if (replied && l.text == "lamp=1") return true;
    }
    return false;
  }));
  EXPECT_EQ(sim->stats().replies_err, 0u);
  EXPECT_EQ(server_io.call([&] { return server->stats().errors; }), 0u);

  sim->stop();
  sim_io.stop();
  sim.reset();
  server_io.call([&] {
    server->stop();
    by_device.clear();
  });
  server_io.stop();
}

TEST(SimulatorSetup, RejectsBadOptionsAndUnknownHosts) {
  asio::io_context io;
  SimulatorOptions bad;
  bad.lamps = -3;
  EXPECT_THROW(Simulator(io, bad), std::invalid_argument);
  SimulatorOptions unknown;
  unknown.host = "no-such-host.invalid";
  Simulator sim(io, unknown);
  EXPECT_THROW(sim.start(), std::runtime_error);
  EXPECT_DOUBLE_EQ(sim.simulated_hour(), 17.0);
}

TEST(SimulatorSetup, ConnectFailuresBackOffWithoutAServer) {
  asio::io_context io;
  SimulatorOptions o;
  // A port nothing listens on: 127.0.0.1 refuses at once.
  o.tcp_port = 1;
  o.lamps = 1;
  o.alleys = 1;
  o.greenhouses = 0;
  o.udp_share = 0;
  o.interval = 20ms;
  o.backoff_initial = 10ms;
  o.backoff_max = 80ms;
  Simulator sim(io, o);
  sim.start();
  io.run_for(700ms);
  auto stats = sim.stats();
  // Capped at 80 ms (40..80 each), about 10..20 attempts per device in 700 ms; not hundreds.
  EXPECT_GE(stats.connect_failures, 8u);
  EXPECT_LE(stats.connect_failures, 60u);
  EXPECT_EQ(stats.connects, 0u);
}

}  // namespace
}  // namespace soket::simulator
