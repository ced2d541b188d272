// Device server, UDP receiver and chat server over real sockets on 127.0.0.1. The servers run on an
// io_context in a background thread; the test thread plays the clients with plain blocking sockets
// and a fake hub records the servers' callbacks.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "soket/gateway/chat_server.hpp"
#include "soket/gateway/device_server.hpp"
#include "soket/gateway/udp_receiver.hpp"

namespace soket::gateway {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace asio = net::asio;

// ---------------------------------------------------------------------------------------------
// Harness

// Runs an io_context on its own thread and owns the servers, so they are destroyed only after the
// thread stopped (they are single-threaded and must not be touched by two threads at once).
class IoHarness {
 public:
  ~IoHarness() { stop_and_destroy_servers(); }

  void stop_and_destroy_servers() {
    stop();
    servers_.clear();
  }

  void run() {
    thread_ = std::thread([this] { io.run(); });
  }
  void stop() {
    guard_.reset();
    io.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Runs `f` on the io thread and waits for its result.
  template <class F>
  auto call(F f) -> decltype(f()) {
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    auto result = task->get_future();
    asio::post(io, [task] { (*task)(); });
    if (result.wait_for(5s) != std::future_status::ready) throw std::runtime_error("io timeout");
    return result.get();
  }

  // Builds a server with `make` and binds it to 127.0.0.1 on a free port in [20000, 32000).
  // A fresh server per attempt: a failed bind leaves the socket unusable.
  template <class Server, class Make>
  Server& bind_free_port(Make make) {
    static std::mt19937 rng(std::random_device{}());
    for (int attempt = 0; attempt < 200; ++attempt) {
      auto port = static_cast<uint16_t>(20000 + rng() % 12000);
      std::shared_ptr<Server> server = make();
      try {
        if constexpr (std::is_same_v<Server, UdpReceiver>) {
          server->bind(net::udp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        } else {
          server->listen(net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        }
      } catch (const boost::system::system_error&) {
        continue;
      }
      server->start();
      servers_.push_back(server);
      return *server;
    }
    throw std::runtime_error("no free port found");
  }

  asio::io_context io;

 private:
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io);
  std::thread thread_;
  std::vector<std::shared_ptr<void>> servers_;
};

// Thread-safe list of events, with waiting.
template <class T>
class Events {
 public:
  void push(T value) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(value));
    }
    cv_.notify_all();
  }
  // Waits until at least `n` events arrived; returns a copy of all of them.
  std::vector<T> wait_for(std::size_t n, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return items_.size() >= n; });
    return items_;
  }
  std::vector<T> snapshot() {
    std::lock_guard lock(mutex_);
    return items_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<T> items_;
};

// A blocking TCP client with timeouts, like a device or a terminal user.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void close() {
    ::close(fd_);
    fd_ = -1;
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  // Closes with a reset, like a device losing power mid-connection would look after a timeout.
  void reset() {
    linger lg{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(fd_);
    fd_ = -1;
  }
  void set_receive_buffer(int bytes) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }

  // Reads until `n` bytes are buffered or the timeout; returns (and consumes) up to `n` bytes.
  std::string read_bytes(std::size_t n, std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = Clock::now() + timeout;
    while (buffer_.size() < n && fill(deadline)) {
    }
    auto out = buffer_.substr(0, n);
    buffer_.erase(0, out.size());
    return out;
  }
  // Reads one line including its "\n" (or whatever arrived before the timeout).
  std::string read_line(std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = Clock::now() + timeout;
    while (buffer_.find('\n') == std::string::npos && fill(deadline)) {
    }
    auto end = buffer_.find('\n');
    auto out = buffer_.substr(0, end == std::string::npos ? buffer_.size() : end + 1);
    buffer_.erase(0, out.size());
    return out;
  }
  // Everything that arrives until the connection is quiet for `quiet`.
  std::string read_until_quiet(std::chrono::milliseconds quiet = 150ms) {
    while (fill(Clock::now() + quiet)) {
    }
    std::string out;
    out.swap(buffer_);
    return out;
  }
  // Success when exactly `expected` arrives (waiting up to 3 s for it) and nothing else follows
  // right away.
  ::testing::AssertionResult receives(const std::string& expected) {
    std::string got = read_bytes(expected.size());
    if (got == expected) got += read_until_quiet(50ms);
    if (got == expected) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "received " << ::testing::PrintToString(got)
                                         << ", expected " << ::testing::PrintToString(expected);
  }
  // True when the server closes the connection within the timeout (data before it is dropped).
  bool wait_closed(std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = Clock::now() + timeout;
    while (fill(deadline)) {
    }
    return eof_;
  }
  bool eof() const { return eof_; }

 private:
  // One read; false on timeout, end of stream or error.
  bool fill(Clock::time_point deadline) {
    if (eof_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// ---------------------------------------------------------------------------------------------
// Device server

struct DeviceEvent {
  std::string what;  // "open", "message", "error", "close"
  uint64_t conn = 0;
  std::string text;  // message raw text, error reason, close reason
  DeviceMessage message;
};

// The hub's part in these tests: records everything and answers each message with "OK" at once.
struct FakeDeviceHub {
  Events<DeviceEvent> events;
  bool reply_ok = true;

  DeviceServer::Handlers handlers() {
    DeviceServer::Handlers h;
    h.on_open = [this](const DeviceConnectionPtr& c) { events.push({"open", c->id(), "", {}}); };
    h.on_message = [this](const DeviceConnectionPtr& c, const DeviceMessage& m) {
      events.push({"message", c->id(), m.raw, m});  // first: the test may check it on "OK"
      if (reply_ok) c->send_line("OK");
    };
    h.on_error = [this](const DeviceConnectionPtr& c, std::string_view reason) {
      events.push({"error", c->id(), std::string(reason), {}});
    };
    h.on_close = [this](const DeviceConnectionPtr& c, CloseReason r) {
      events.push({"close", c->id(), std::string(to_string(r)), {}});
    };
    return h;
  }

  std::vector<DeviceEvent> messages() {
    std::vector<DeviceEvent> out;
    for (auto& e : events.snapshot()) {
      if (e.what == "message") out.push_back(e);
    }
    return out;
  }
  // Waits until `n` events of kind `what` arrived and returns them.
  std::vector<DeviceEvent> wait(const std::string& what, std::size_t n,
                                std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = Clock::now() + timeout;
    while (true) {
      std::vector<DeviceEvent> out;
      for (auto& e : events.snapshot()) {
        if (e.what == what) out.push_back(e);
      }
      if (out.size() >= n || Clock::now() >= deadline) return out;
      std::this_thread::sleep_for(2ms);
    }
  }
};

class GatewayDeviceServer : public ::testing::Test {
 protected:
  DeviceServer& start(DeviceServerOptions options = {}) {
    auto& server = io.bind_free_port<DeviceServer>(
        [&] { return std::make_shared<DeviceServer>(io.io, options, hub.handlers()); });
    io.run();
    return server;
  }

  FakeDeviceHub hub;  // outlives the harness, which destroys the servers
  IoHarness io;
};

TEST_F(GatewayDeviceServer, EspStyleMessageWithoutNewlineIsDeliveredAfterTheIdleGap) {
  auto& server = start();
  // The course sketch: connect, client.print("Hai from ESP8266") (no newline), then
  // client.readStringUntil('\n') and print the line.
  Client esp(server.port());
  auto sent_at = Clock::now();
  esp.send("Hai from ESP8266");
  EXPECT_EQ(esp.read_line(), "OK\n");
  EXPECT_GE(Clock::now() - sent_at, 20ms);  // the message ended at the idle gap, not earlier
  auto messages = hub.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].text, "Hai from ESP8266");
  EXPECT_EQ(messages[0].message.kind, DeviceMessageKind::text);
  EXPECT_EQ(server.stats().messages, 1u);
}

TEST_F(GatewayDeviceServer, NewlineAndCrLfFraming) {
  auto& server = start();
  Client device(server.port());
  device.send("temp=27.5 hum=61\n");
  EXPECT_EQ(device.read_line(), "OK\n");
  device.send("light=12\r\n");
  EXPECT_EQ(device.read_line(), "OK\n");
  auto messages = hub.wait("message", 2);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].text, "temp=27.5 hum=61");
  EXPECT_EQ(messages[0].message.readings, (std::vector<Reading>{{"temp", 27.5}, {"hum", 61}}));
  EXPECT_EQ(messages[1].text, "light=12");  // no "\r" left over
}

TEST_F(GatewayDeviceServer, SeveralMessagesInOneSegment) {
  auto& server = start();
  Client device(server.port());
  device.send("a=1\nb=2\r\nHELLO esp-1 tok\nc=3\n");
  EXPECT_EQ(device.read_bytes(12), "OK\nOK\nOK\nOK\n");
  auto messages = hub.wait("message", 4);
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0].text, "a=1");
  EXPECT_EQ(messages[1].text, "b=2");
  EXPECT_EQ(messages[2].message.kind, DeviceMessageKind::hello);
  EXPECT_EQ(messages[2].message.device_id, "esp-1");
  EXPECT_EQ(messages[2].message.token, "tok");
  EXPECT_EQ(messages[3].text, "c=3");
}

TEST_F(GatewayDeviceServer, MessageSplitAcrossSegments) {
  DeviceServerOptions options;
  options.line.idle_gap = 1000ms;  // generous: the test's pauses must not end a message
  auto& server = start(options);
  Client device(server.port());
  device.send("temp=2");
  std::this_thread::sleep_for(30ms);
  device.send("7.5 hum");
  std::this_thread::sleep_for(30ms);
  device.send("=61\n");
  EXPECT_EQ(device.read_line(), "OK\n");
  auto messages = hub.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].message.readings, (std::vector<Reading>{{"temp", 27.5}, {"hum", 61}}));
}

TEST_F(GatewayDeviceServer, IdleGapIsConfigurable) {
  DeviceServerOptions options;
  options.line.idle_gap = 300ms;
  auto& server = start(options);
  Client esp(server.port());
  auto sent_at = Clock::now();
  esp.send("Hai ");
  std::this_thread::sleep_for(50ms);  // shorter than the gap: still the same message
  esp.send("from ESP8266");
  EXPECT_EQ(esp.read_line(), "OK\n");
  EXPECT_GE(Clock::now() - sent_at, 350ms);
  auto messages = hub.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].text, "Hai from ESP8266");
}

TEST_F(GatewayDeviceServer, OverLongLineGetsErrAndTheConnectionStaysUsable) {
  DeviceServerOptions options;
  options.line.max_line_length = 64;
  auto& server = start(options);
  Client device(server.port());
  device.send(std::string(50, 'x'));
  device.send(std::string(5000, 'y'));  // never buffered whole: discarded as it arrives
  EXPECT_EQ(device.read_line(), "ERR line too long\n");
  device.send("still part of the long line\ntemp=1\n");
  EXPECT_EQ(device.read_line(), "OK\n");
  // Over-long without any newline: ends at the idle gap, then the next message is fine.
  device.send(std::string(100, 'z'));
  EXPECT_EQ(device.read_line(), "ERR line too long\n");
  std::this_thread::sleep_for(60ms);
  device.send("hum=2");
  EXPECT_EQ(device.read_line(), "OK\n");
  auto messages = hub.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].text, "temp=1");
  EXPECT_EQ(messages[1].text, "hum=2");
  EXPECT_EQ(hub.wait("error", 2).size(), 2u);
  EXPECT_EQ(server.stats().errors, 2u);
}

TEST_F(GatewayDeviceServer, MalformedMessagesGetTheirReason) {
  hub.reply_ok = false;
  auto& server = start();
  Client device(server.port());
  device.send("temp=\n");
  EXPECT_EQ(device.read_line(), "ERR missing value for 'temp'\n");
  device.send("=5\n");
  EXPECT_EQ(device.read_line(), "ERR missing key in '=5'\n");
  device.send("{\"temp\": 27.5\n");
  EXPECT_EQ(device.read_line().rfind("ERR invalid JSON: ", 0), 0u);
  device.send("HELLO bad/id\n");
  EXPECT_EQ(device.read_line().rfind("ERR invalid device id 'bad/id': ", 0), 0u);
  device.send(std::string("a\x01") + "b\n");
  EXPECT_EQ(device.read_line(), "ERR control character in message\n");
  device.send("\xff\n");
  EXPECT_EQ(device.read_line(), "ERR invalid UTF-8\n");
  device.send("\n  \r\n");  // blank lines: ignored, no reply
  device.send("led=on\n");
  auto messages = hub.wait("message", 1);
  ASSERT_EQ(messages.size(), 1u);  // nothing malformed reached the hub
  EXPECT_EQ(messages[0].text, "led=on");
  EXPECT_EQ(device.read_until_quiet(100ms), "");
  EXPECT_EQ(hub.wait("error", 6).size(), 6u);
}

TEST_F(GatewayDeviceServer, CommandsAreWrittenAsOneLineWithLf) {
  auto& server = start();
  Client device(server.port());
  auto opened = hub.wait("open", 1);
  ASSERT_EQ(opened.size(), 1u);
  uint64_t id = opened[0].conn;
  auto sent = io.call([&] {
    auto conn = server.find(id);
    return conn && conn->send_line("led-on") && !conn->send_line("two\nlines") &&
           !conn->send_line("cr\r");
  });
  EXPECT_TRUE(sent);
  EXPECT_TRUE(device.receives("led-on\n"));
  // A broadcast buffer shared by every device.
  Client other(server.port());
  hub.wait("open", 2);
  auto shared = make_shared_bytes(std::string("lamp-off\n"));
  io.call([&] {
    server.for_each([&](const DeviceConnectionPtr& c) { c->send_bytes(shared); });
    return 0;
  });
  EXPECT_EQ(device.read_line(), "lamp-off\n");
  EXPECT_EQ(other.read_line(), "lamp-off\n");
}

TEST_F(GatewayDeviceServer, ManyConcurrentConnections) {
  auto& server = start();
  constexpr int kClients = 60;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i)
    clients.push_back(std::make_unique<Client>(server.port()));
  // One of them stalls mid-message; it must not hold up anyone else.
  clients[0]->send("temp=");
  for (int i = 1; i < kClients; ++i)
    clients[i]->send("n=" + std::to_string(i) + (i % 2 ? "\n" : ""));
  for (int i = 1; i < kClients; ++i)
    EXPECT_EQ(clients[i]->read_line(), "OK\n") << i;
  auto messages = hub.wait("message", kClients - 1);
  EXPECT_EQ(messages.size(), static_cast<std::size_t>(kClients - 1));
  std::set<uint64_t> ids;
  for (auto& m : messages)
    ids.insert(m.conn);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kClients - 1));
  EXPECT_EQ(io.call([&] { return server.connection_count(); }), static_cast<std::size_t>(kClients));
  EXPECT_EQ(clients[0]->read_line(), "ERR missing value for 'temp'\n");  // after its idle gap
}

TEST_F(GatewayDeviceServer, DisconnectsAreDetected) {
  DeviceServerOptions options;
  options.line.eof_grace = 50ms;
  auto& server = start(options);
  {
    Client device(server.port());
    device.send("temp=1\n");
    EXPECT_EQ(device.read_line(), "OK\n");
  }  // closed normally
  auto closes = hub.wait("close", 1);
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].text, "closed by peer");
  Client dropped(server.port());
  hub.wait("open", 2);
  dropped.reset();
  closes = hub.wait("close", 2);
  ASSERT_EQ(closes.size(), 2u);
  EXPECT_EQ(closes[1].text, "network error");
  EXPECT_EQ(io.call([&] { return server.connection_count(); }), 0u);
}

TEST_F(GatewayDeviceServer, IdleTimeoutClosesSilentConnections) {
  DeviceServerOptions options;
  options.line.idle_timeout = 300ms;
  auto& server = start(options);
  Client silent(server.port());
  Client chatty(server.port());
  auto started = Clock::now();
  for (int i = 0; i < 8; ++i) {  // keeps talking for longer than the timeout
    chatty.send("x=1\n");
    EXPECT_EQ(chatty.read_line(), "OK\n");
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(silent.wait_closed());
  EXPECT_GE(Clock::now() - started, 300ms);
  auto closes = hub.wait("close", 1);
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].text, "idle timeout");
  EXPECT_FALSE(chatty.eof());
}

TEST_F(GatewayDeviceServer, HalfClosedClientStillGetsItsReply) {
  auto& server = start();
  Client device(server.port());
  device.send("temp=5");  // no newline: the end of stream ends the message
  device.shutdown_write();
  EXPECT_EQ(device.read_line(), "OK\n");
  EXPECT_TRUE(device.wait_closed());
  auto closes = hub.wait("close", 1);
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].text, "closed by peer");
}

TEST_F(GatewayDeviceServer, SlowReaderIsDisconnected) {
  DeviceServerOptions options;
  options.line.max_write_queue_bytes = 64 * 1024;
  auto& server = start(options);
  Client slow(server.port());
  slow.set_receive_buffer(4096);
  auto opened = hub.wait("open", 1);
  ASSERT_EQ(opened.size(), 1u);
  auto conn = io.call([&] { return server.find(opened[0].conn); });
  ASSERT_TRUE(conn);
  // Small batches, letting the io loop write in between, until the kernel buffers are full and
  // the queue overflows; bounded (100 MB) so a bug cannot loop forever.
  const std::string line(1000, 'c');
  int batches = 0;
  bool dropped = false;
  while (!dropped && batches < 6400) {
    dropped = io.call([&] {
      for (int i = 0; i < 16; ++i) {
        if (!conn->send_line(line)) return true;
      }
      return false;
    });
    ++batches;
  }
  EXPECT_TRUE(dropped);
  EXPECT_GT(batches, 4);  // it took more than one queue's worth: the kernel took some first
  auto closes = hub.wait("close", 1);
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].text, "write queue overflow");
}

TEST_F(GatewayDeviceServer, CloseFlushesQueuedLinesFirst) {
  auto& server = start();
  Client device(server.port());
  auto opened = hub.wait("open", 1);
  ASSERT_EQ(opened.size(), 1u);
  io.call([&] {
    auto conn = server.find(opened[0].conn);
    conn->send_line("ERR bad token");
    conn->close();
    return conn->is_open();
  });
  EXPECT_EQ(device.read_line(), "ERR bad token\n");
  EXPECT_TRUE(device.wait_closed());  // the server's FIN
  device.close();                     // the device closes its side too: the server is done
  auto closes = hub.wait("close", 1);
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].text, "closed");
}

TEST_F(GatewayDeviceServer, RefusesConnectionsBeyondTheLimit) {
  DeviceServerOptions options;
  options.max_connections = 2;
  auto& server = start(options);
  Client a(server.port());
  Client b(server.port());
  hub.wait("open", 2);
  Client c(server.port());
  EXPECT_EQ(c.read_line(), "ERR too many connections\n");
  EXPECT_TRUE(c.wait_closed());
  a.send("x=1\n");
  EXPECT_EQ(a.read_line(), "OK\n");
  EXPECT_EQ(server.stats().refused, 1u);
}

TEST_F(GatewayDeviceServer, StopClosesEveryConnection) {
  auto& server = start();
  Client a(server.port());
  Client b(server.port());
  hub.wait("open", 2);
  io.call([&] {
    server.stop();
    return 0;
  });
  EXPECT_TRUE(a.wait_closed());
  EXPECT_TRUE(b.wait_closed());
  auto closes = hub.wait("close", 2);
  ASSERT_EQ(closes.size(), 2u);
  EXPECT_EQ(closes[0].text, "server stopped");
}

// ---------------------------------------------------------------------------------------------
// UDP receiver

class UdpClient {
 public:
  UdpClient() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  ~UdpClient() { ::close(fd_); }
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;

  void send_to(uint16_t port, std::string_view data) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  // One datagram, or nullopt after the timeout.
  std::optional<std::string> receive(std::chrono::milliseconds timeout = 3000ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }
  uint16_t port() const {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);
  }

 private:
  int fd_ = -1;
};

struct UdpEvent {
  std::string what;  // "datagram", "error"
  uint16_t sender_port = 0;
  std::string text;
  DeviceMessage message;
  bool reply_result = false;
};

class GatewayUdp : public ::testing::Test {
 protected:
  UdpReceiver& start(UdpReceiverOptions options = {}) {
    UdpReceiver::Handlers h;
    h.on_datagram = [this](const net::udp::endpoint& sender, const DeviceMessage& m,
                           const UdpReplyFn& reply) {
      bool replied = reply("OK");
      events.push({"datagram", sender.port(), m.raw, m, replied});
    };
    h.on_error = [this](const net::udp::endpoint& sender, std::string_view reason) {
      events.push({"error", sender.port(), std::string(reason), {}, false});
    };
    auto& receiver = io.bind_free_port<UdpReceiver>(
        [&] { return std::make_shared<UdpReceiver>(io.io, options, h); });
    io.run();
    return receiver;
  }

  Events<UdpEvent> events;
  IoHarness io;
};

TEST_F(GatewayUdp, DatagramIsOneMessageAndTheSenderGetsTheReply) {
  auto& receiver = start();
  UdpClient sensor;
  sensor.send_to(receiver.port(), "temp=27.5 hum=61");
  EXPECT_EQ(sensor.receive(), "OK\n");
  auto got = events.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].sender_port, sensor.port());
  EXPECT_EQ(got[0].message.readings, (std::vector<Reading>{{"temp", 27.5}, {"hum", 61}}));
  EXPECT_TRUE(got[0].reply_result);
  // A trailing newline (as `echo ... | nc -u` sends) is not part of the message.
  sensor.send_to(receiver.port(), "{\"light\": 12}\r\n");
  EXPECT_EQ(sensor.receive(), "OK\n");
  got = events.wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].text, "{\"light\": 12}");
}

TEST_F(GatewayUdp, MalformedDatagramsGetErr) {
  UdpReceiverOptions options;
  options.max_message_length = 100;
  auto& receiver = start(options);
  UdpClient sensor;
  sensor.send_to(receiver.port(), "temp=");
  EXPECT_EQ(sensor.receive(), "ERR missing value for 'temp'\n");
  sensor.send_to(receiver.port(), std::string(101, 'x'));
  EXPECT_EQ(sensor.receive(), "ERR datagram too long\n");
  sensor.send_to(receiver.port(), "a\nb");
  EXPECT_EQ(sensor.receive(), "ERR control character in message\n");
  sensor.send_to(receiver.port(), "hum=3");
  EXPECT_EQ(sensor.receive(), "OK\n");
  auto got = events.wait_for(4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].what, "error");
  EXPECT_EQ(got[3].what, "datagram");
  EXPECT_EQ(receiver.stats().errors, 3u);
}

TEST_F(GatewayUdp, RepliesCanBeTurnedOff) {
  UdpReceiverOptions options;
  options.replies = false;
  auto& receiver = start(options);
  UdpClient sensor;
  sensor.send_to(receiver.port(), "temp=1");
  sensor.send_to(receiver.port(), "temp=");
  auto got = events.wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[0].reply_result);
  EXPECT_EQ(sensor.receive(200ms), std::nullopt);
}

TEST_F(GatewayUdp, RateLimitPerSenderDropsAndSaysSoOnce) {
  UdpReceiverOptions options;
  options.lines_per_second = 0.1;  // nothing refills during the test
  options.line_burst = 2;
  auto& receiver = start(options);
  UdpClient flood, other;
  for (int i = 0; i < 6; ++i)
    flood.send_to(receiver.port(), "n=" + std::to_string(i));
  EXPECT_EQ(flood.receive(), "OK\n");
  EXPECT_EQ(flood.receive(), "OK\n");
  EXPECT_EQ(flood.receive(), "ERR rate limit\n");
  EXPECT_EQ(flood.receive(300ms), std::nullopt);  // told once, not four times
  other.send_to(receiver.port(), "n=9");          // another sender: its own bucket
  EXPECT_EQ(other.receive(), "OK\n");
  auto got = events.wait_for(7);
  ASSERT_EQ(got.size(), 7u);
  int datagrams = 0, limited = 0;
  for (const auto& e : got) {
    if (e.what == "datagram") ++datagrams;
    if (e.what == "error" && e.text == "rate limit") ++limited;
  }
  EXPECT_EQ(datagrams, 3);
  EXPECT_EQ(limited, 4);
  EXPECT_EQ(receiver.stats().over_rate, 4u);
  EXPECT_EQ(receiver.stats().datagrams, 3u);
}

TEST_F(GatewayUdp, ReplyFunctionOutlivesTheReceiver) {
  UdpReplyFn kept;
  UdpReceiver::Handlers h;
  h.on_datagram = [&](const net::udp::endpoint&, const DeviceMessage&, const UdpReplyFn& reply) {
    kept = reply;
    events.push({"datagram", 0, "", {}, false});
  };
  auto& receiver = io.bind_free_port<UdpReceiver>(
      [&] { return std::make_shared<UdpReceiver>(io.io, UdpReceiverOptions{}, h); });
  io.run();
  UdpClient sensor;
  sensor.send_to(receiver.port(), "x=1");
  ASSERT_EQ(events.wait_for(1).size(), 1u);
  EXPECT_TRUE(io.call([&] { return kept("OK later"); }));
  EXPECT_EQ(sensor.receive(), "OK later\n");
  io.stop_and_destroy_servers();
  EXPECT_FALSE(kept("too late"));
}

// ---------------------------------------------------------------------------------------------
// Chat server

struct ChatEvent {
  std::string what;  // "join", "message", "leave"
  std::string name;
  std::string text;
};

class GatewayChat : public ::testing::Test {
 protected:
  ChatServer& start(ChatServerOptions options = {}) {
    ChatServer::Handlers h;
    h.on_join = [this](const ChatUser& u) { events.push({"join", u.name, ""}); };
    h.on_message = [this](const ChatUser& u, std::string_view text) {
      events.push({"message", u.name, std::string(text)});
    };
    h.on_leave = [this](const ChatUser& u) { events.push({"leave", u.name, ""}); };
    auto& server = io.bind_free_port<ChatServer>(
        [&] { return std::make_shared<ChatServer>(io.io, options, h); });
    io.run();
    return server;
  }

  // Joins like the course client: waits for exactly "user?", sends the name without newline.
  std::unique_ptr<Client> course_user(uint16_t port, const std::string& name) {
    auto c = std::make_unique<Client>(port);
    EXPECT_EQ(c->read_bytes(5), "user?");
    EXPECT_EQ(c->read_until_quiet(60ms), "");  // nothing else in that chunk
    c->send(name);
    return c;
  }

  Events<ChatEvent> events;
  IoHarness io;
};

const std::string kJoinedSuffix = " Telah bergabung ke dalam chat !";
const std::string kWelcome = "Kamu telah terhubung !";
const std::string kLeftSuffix = " telah meninggalkan room chat !";

TEST_F(GatewayChat, TwoCourseClientsSeeJoinsMessagesAndLeaves) {
  auto& server = start();
  auto rizky = course_user(server.port(), "rizky");
  EXPECT_EQ(rizky->read_bytes(("rizky" + kJoinedSuffix + kWelcome).size()),
            "rizky" + kJoinedSuffix + kWelcome);
  auto fatur = course_user(server.port(), "fatur");
  EXPECT_EQ(fatur->read_bytes(("fatur" + kJoinedSuffix + kWelcome).size()),
            "fatur" + kJoinedSuffix + kWelcome);
  EXPECT_TRUE(rizky->receives("fatur" + kJoinedSuffix));

  // The course client sends "<user>: <text>" without newline; every user gets it unchanged.
  rizky->send("rizky: halo selamat siang!");
  EXPECT_EQ(rizky->read_bytes(26), "rizky: halo selamat siang!");
  EXPECT_EQ(fatur->read_bytes(26), "rizky: halo selamat siang!");
  fatur->send("fatur: siang !!");
  EXPECT_TRUE(rizky->receives("fatur: siang !!"));
  EXPECT_TRUE(fatur->receives("fatur: siang !!"));

  fatur.reset();  // leaves
  EXPECT_TRUE(rizky->receives("fatur" + kLeftSuffix));
  auto got = events.wait_for(5);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].what, "join");
  EXPECT_EQ(got[0].name, "rizky");
  EXPECT_EQ(got[1].name, "fatur");
  EXPECT_EQ(got[2].what, "message");
  EXPECT_EQ(got[2].text, "rizky: halo selamat siang!");
  EXPECT_EQ(got[4].what, "leave");
  EXPECT_EQ(got[4].name, "fatur");
  EXPECT_EQ(io.call([&] { return server.user_count(); }), 1u);
}

TEST_F(GatewayChat, TelnetUsersGetLinesInTheirOwnLineEnding) {
  auto& server = start();
  Client telnet(server.port());
  EXPECT_EQ(telnet.read_bytes(5), "user?");
  telnet.send("budi\r\n");
  EXPECT_TRUE(telnet.receives("budi" + kJoinedSuffix + "\r\n" + kWelcome + "\r\n"));
  Client nc(server.port());
  EXPECT_EQ(nc.read_bytes(5), "user?");
  nc.send("  sari \n");  // trimmed
  EXPECT_TRUE(nc.receives("sari" + kJoinedSuffix + "\n" + kWelcome + "\n"));
  EXPECT_TRUE(telnet.receives("sari" + kJoinedSuffix + "\r\n"));
  auto course = course_user(server.port(), "rizky");
  EXPECT_EQ(course->read_bytes(("rizky" + kJoinedSuffix + kWelcome).size()),
            "rizky" + kJoinedSuffix + kWelcome);
  EXPECT_EQ(telnet.read_line(), "rizky" + kJoinedSuffix + "\r\n");
  EXPECT_EQ(nc.read_line(), "rizky" + kJoinedSuffix + "\n");

  telnet.send("budi: halo\r\n");
  EXPECT_TRUE(telnet.receives("budi: halo\r\n"));
  EXPECT_TRUE(nc.receives("budi: halo\n"));
  EXPECT_TRUE(course->receives("budi: halo"));
  telnet.send("\r\n");  // an empty line is not relayed
  EXPECT_EQ(nc.read_until_quiet(), "");
}

TEST_F(GatewayChat, DeliverReachesEveryTcpUser) {
  auto& server = start();
  auto a = course_user(server.port(), "a");
  events.wait_for(1);  // joined before b, so the join order is known
  Client b(server.port());
  EXPECT_EQ(b.read_bytes(5), "user?");
  b.send("b\n");
  events.wait_for(2);
  EXPECT_EQ(a->read_bytes(("a" + kJoinedSuffix + kWelcome + "b" + kJoinedSuffix).size()),
            "a" + kJoinedSuffix + kWelcome + "b" + kJoinedSuffix);
  EXPECT_EQ(b.read_line(), "b" + kJoinedSuffix + "\n");
  EXPECT_EQ(b.read_line(), kWelcome + "\n");
  io.call([&] {
    server.deliver("web-ani: halo dari web");
    return 0;
  });
  EXPECT_TRUE(a->receives("web-ani: halo dari web"));
  EXPECT_TRUE(b.receives("web-ani: halo dari web\n"));
  auto users = io.call([&] { return server.users(); });
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "a");
  EXPECT_EQ(users[1].name, "b");
}

TEST_F(GatewayChat, BadNamesGetANoticeAndAnotherPrompt) {
  ChatServerOptions options;
  options.max_name_length = 8;
  auto& server = start(options);
  Client c(server.port());
  EXPECT_EQ(c.read_bytes(5), "user?");
  c.send("\r\n");
  EXPECT_TRUE(c.receives("Nama user tidak boleh kosong\r\nuser?\r\n"));
  c.send("namayangpanjang\r\n");
  EXPECT_TRUE(c.receives("Nama user terlalu panjang (maksimal 8 byte)\r\nuser?\r\n"));
  c.send("ok\r\n");
  EXPECT_TRUE(c.receives("ok" + kJoinedSuffix + "\r\n" + kWelcome + "\r\n"));
  auto got = events.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "ok");
}

TEST_F(GatewayChat, TooManyBadNamesDisconnect) {
  auto& server = start();
  Client c(server.port());
  EXPECT_EQ(c.read_bytes(5), "user?");
  c.send("\n");
  EXPECT_TRUE(c.receives("Nama user tidak boleh kosong\nuser?\n"));
  c.send(std::string("a\x01") + "\n");
  EXPECT_TRUE(c.receives("Nama user berisi karakter yang tidak valid\nuser?\n"));
  c.send("\n");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(events.snapshot().size(), 0u);  // never joined: no join, no leave
}

TEST_F(GatewayChat, OverLongAndInvalidMessagesAreNotRelayed) {
  ChatServerOptions options;
  options.line.max_line_length = 32;
  auto& server = start(options);
  Client a(server.port());
  a.read_bytes(5);
  a.send("a\n");
  events.wait_for(1);
  Client b(server.port());
  b.read_bytes(5);
  b.send("b\n");
  events.wait_for(2);
  EXPECT_EQ(a.read_line(), "a" + kJoinedSuffix + "\n");
  EXPECT_EQ(a.read_line(), kWelcome + "\n");
  EXPECT_EQ(a.read_line(), "b" + kJoinedSuffix + "\n");
  EXPECT_EQ(b.read_line(), "b" + kJoinedSuffix + "\n");
  EXPECT_EQ(b.read_line(), kWelcome + "\n");
  a.send(std::string(100, 'x') + "\n");
  EXPECT_TRUE(a.receives("Pesan terlalu panjang (maksimal 32 byte)\n"));
  a.send("\xff\xfe\n");
  EXPECT_TRUE(a.receives("Pesan berisi karakter yang tidak valid\n"));
  EXPECT_EQ(b.read_until_quiet(), "");
  a.send("masih bisa\n");
  EXPECT_TRUE(b.receives("masih bisa\n"));
}

TEST_F(GatewayChat, DroppedConnectionLeaves) {
  auto& server = start();
  auto a = course_user(server.port(), "a");
  events.wait_for(1);
  auto b = course_user(server.port(), "b");
  events.wait_for(2);
  EXPECT_EQ(a->read_bytes(("a" + kJoinedSuffix + kWelcome + "b" + kJoinedSuffix).size()),
            "a" + kJoinedSuffix + kWelcome + "b" + kJoinedSuffix);
  b->reset();
  EXPECT_TRUE(a->receives("b" + kLeftSuffix));
  auto got = events.wait_for(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].what, "leave");
  EXPECT_EQ(got[2].name, "b");
}

TEST_F(GatewayChat, WordingIsConfigurable) {
  ChatServerOptions options;
  options.text.prompt = "name?";
  options.text.joined = "*** {name} joined";
  options.text.welcome = "welcome";
  options.text.left = "*** {name} left";
  options.line_ending = ChatLineEnding::lf;
  auto& server = start(options);
  Client a(server.port());
  EXPECT_EQ(a.read_bytes(6), "name?\n");
  a.send("x");
  EXPECT_TRUE(a.receives("*** x joined\nwelcome\n"));
  EXPECT_EQ(server.templates().left_text("y"), "*** y left");
}

TEST(GatewayChatTemplates, Fill) {
  EXPECT_EQ(ChatTemplates::fill("{name} {name} max {max}!", "n", 7), "n n max 7!");
  EXPECT_EQ(ChatTemplates::fill("{nam} {", "n", 7), "{nam} {");
  ChatTemplates t;
  EXPECT_EQ(t.joined_text("rizky"), "rizky Telah bergabung ke dalam chat !");
  EXPECT_EQ(t.left_text("rizky"), "rizky telah meninggalkan room chat !");
}

}  // namespace
}  // namespace soket::gateway

TEST(GatewayKeepAlive, WithinABoundGivesProbesThatEndInTime) {
  using soket::gateway::KeepAliveOptions;
  auto ka = KeepAliveOptions::within(std::chrono::seconds(25));
  EXPECT_TRUE(ka.enabled);
  EXPECT_EQ(ka.bound(), std::chrono::seconds(25));
  EXPECT_EQ(ka.user_timeout, std::chrono::seconds(25));
  EXPECT_GE(ka.idle, std::chrono::seconds(1));
  auto small = KeepAliveOptions::within(std::chrono::seconds(1));  // raised to the minimum, 4 s
  EXPECT_EQ(small.bound(), std::chrono::seconds(4));
  EXPECT_GE(small.idle, std::chrono::seconds(1));
  EXPECT_FALSE(KeepAliveOptions::within(std::chrono::seconds(0)).enabled);
  EXPECT_LT(KeepAliveOptions{}.bound(), std::chrono::seconds(30));  // the default
}
