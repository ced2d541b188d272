// bench-raw-server: a trivial WebSocket server on Beast, the baseline the soket numbers are held
// against. It does no Engine.IO / Socket.IO work: it answers the handful of fixed texts the load
// generator sends by slicing strings (fixed_texts.hpp: no JSON, no packets, no session state).
// One write in flight per connection, a queue of shared buffers behind it, as a plain Beast app.
// (bench-raw-transport-server answers the same texts on soket's own WebSocket layer.)
#include <CLI/CLI.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "fixed_texts.hpp"

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

namespace {

class Session;
struct Hub {
  std::unordered_set<Session*> all;
  std::unordered_map<std::string, std::unordered_set<Session*>> rooms;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Hub& hub) : ws_(std::move(socket)), hub_(hub) {}

  void start() {
    ws_.set_option(websocket::stream_base::timeout::suggested(boost::beast::role_type::server));
    ws_.auto_fragment(false);
    ws_.async_accept([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      self->hub_.all.insert(self.get());
      self->send(std::make_shared<const std::string>(
          "0{\"sid\":\"raw\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,"
          "\"maxPayload\":1000000}"));
      self->read();
    });
  }

  void send(std::shared_ptr<const std::string> text) {
    if (closed_) return;
    if (queue_.size() > 100000) return close();  // a reader that stopped reading: drop it
    queue_.push_back(std::move(text));
    if (queue_.size() == 1) write();
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      if (ec) return self->leave();
      auto data = self->buffer_.cdata();
      self->on_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->buffer_.consume(self->buffer_.size());
      if (!self->closed_) self->read();
    });
  }

  void write() {
    ws_.text(true);
    ws_.async_write(asio::buffer(*queue_.front()),
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                      if (ec) return self->close();
                      self->queue_.pop_front();
                      if (!self->queue_.empty()) self->write();
                    });
  }

  void on_text(std::string_view t) { answer_fixed_text(*this, hub_, rooms_, t); }

  // Marks the session closed; the pending read then fails and leave() unregisters it (never during
  // a broadcast loop over the hub).
  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    ws_.next_layer().close(ignored);
  }

  void leave() {
    close();
    hub_.all.erase(this);
    for (const auto& room : rooms_)
      if (auto it = hub_.rooms.find(room); it != hub_.rooms.end()) it->second.erase(this);
    rooms_.clear();
  }

  websocket::stream<tcp::socket> ws_;
  Hub& hub_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::vector<std::string> rooms_;
  bool closed_ = false;
};

void accept(tcp::acceptor& acceptor, Hub& hub) {
  acceptor.async_accept([&](boost::system::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), hub)->start();
    }
    accept(acceptor, hub);
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  uint16_t port = 3000;
  CLI::App app{"bench-raw-server: a trivial Beast WebSocket server for the benchmark baseline"};
  app.add_option("--host", host)->capture_default_str();
  app.add_option("--port", port)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  asio::io_context io(1);
  Hub hub;
  boost::system::error_code ec;
  tcp::acceptor acceptor(io);
  tcp::endpoint endpoint(asio::ip::make_address(host, ec), port);
  if (ec) {
    std::fprintf(stderr, "not an IP address: %s\n", host.c_str());
    return 2;
  }
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint, ec);
  if (ec) {
    std::fprintf(stderr, "cannot listen on %s:%u: %s\n", host.c_str(), port, ec.message().c_str());
    return 1;
  }
  acceptor.listen(4096);
  std::printf("listening on http://%s:%u\n", host.c_str(), acceptor.local_endpoint().port());
  std::fflush(stdout);
  accept(acceptor, hub);
  io.run();
}
