// bench-raw-line-server: the baseline of the `devices` scenario. A trivial plain-Asio TCP server
// that answers every line ("\n") with "OK\n" and does nothing else: no parsing, no storage. What
// the load generator reaches against it is its own ceiling for the device line protocol.
// Per connection: one read buffer, the OKs of one read go out in one write (one write in flight).
#include <CLI/CLI.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    read();
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](
                                                   boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      auto lines = std::count(self->in_.begin(), self->in_.begin() + static_cast<long>(n), '\n');
      for (long i = 0; i < lines; ++i)
        self->out_ += "OK\n";
      self->write();
      self->read();
    });
  }

  void write() {
    if (writing_ || out_.empty()) return;
    writing_ = true;
    std::swap(out_, sending_);
    asio::async_write(socket_, asio::buffer(sending_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        self->sending_.clear();
                        if (!ec) self->write();
                      });
  }

  tcp::socket socket_;
  std::array<char, 16 * 1024> in_{};
  std::string out_, sending_;
  bool writing_ = false;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](boost::system::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<Session>(std::move(socket))->start();
    accept(acceptor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  unsigned short port = 2004;
  CLI::App app{"bench-raw-line-server: answers every line with OK (the devices baseline)"};
  app.add_option("--host", host)->capture_default_str();
  app.add_option("--port", port)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  asio::io_context io(1);
  tcp::acceptor acceptor(io);
  tcp::endpoint endpoint(asio::ip::make_address(host), port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  accept(acceptor);
  std::printf("listening on tcp://%s:%u\n", host.c_str(), acceptor.local_endpoint().port());
  std::fflush(stdout);
  io.run();
}
