#include "poll_conn.hpp"

#include <boost/asio/write.hpp>

#include <algorithm>
#include <cstring>

#include "scenario.hpp"
#include "source_bind.hpp"

namespace soket::bench {
namespace {

constexpr std::size_t kMaxResponse = 16 * 1024 * 1024;
constexpr char kSeparator = '\x1e';

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

/// The value of header `name` in `head` (status line and headers, no final CRLF CRLF).
std::string_view header_value(std::string_view head, std::string_view name) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos) {
    std::size_t start = pos + 2;
    std::size_t end = head.find("\r\n", start);
    std::string_view line = head.substr(start, end == std::string_view::npos ? end : end - start);
    auto colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
      return value;
    }
    pos = end;
  }
  return {};
}

}  // namespace

PollConn::PollConn(asio::io_context& io, ConnHandler& handler, std::size_t index)
    : Conn(handler, index), get_(io), post_(io) {}

void PollConn::fail(std::string_view what, const boost::system::error_code& ec) {
  if (ended()) return;
  state_ = State::failed;
  boost::system::error_code ignored;
  get_.socket.close(ignored);
  post_.socket.close(ignored);
  std::string message(what);
  if (ec) message += ": " + ec.message();
  handler_.on_failed(*this, message);
}

void PollConn::open_socket(Http& http, const char* what) {
  boost::system::error_code ec;
  http.socket.open(server_.protocol(), ec);
  if (!ec) http.socket.set_option(tcp::no_delay(true), ec);
  if (!ec) bind_source(http.socket, source_, ec);
  if (ec) fail(what, ec);
}

void PollConn::start(const tcp::endpoint& server, const asio::ip::address& source,
                     std::string path) {
  server_ = server;
  source_ = source;
  path_ = std::move(path);
  if (auto at = path_.find("transport=websocket"); at != std::string::npos)
    path_.replace(at, 19, "transport=polling");
  else if (path_.find("transport=") == std::string::npos)
    path_ += "&transport=polling";
  open_socket(get_, "socket setup");
  if (ended()) return;
  get_.socket.async_connect(server_, [this](const boost::system::error_code& ec) {
    if (ended()) return;
    if (ec) return fail("connect", ec);
    state_ = State::opening;
    get_.request = "GET " + path_ + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    send_request(get_, &PollConn::on_handshake);
  });
}

void PollConn::send_request(Http& http, OnBody on_body) {
  http.busy = true;
  asio::async_write(http.socket, asio::buffer(http.request),
                    [this, &http, on_body](const boost::system::error_code& ec, std::size_t) {
                      if (ended()) return;
                      if (ec) return fail("write", ec);
                      read_response(http, on_body);
                    });
}

void PollConn::read_response(Http& http, OnBody on_body) {
  if (take_response(http, on_body) || ended()) return;
  if (http.in_len == http.in.size()) {
    if (http.in.size() >= kMaxResponse) return fail("response too large");
    http.in.resize(http.in.size() * 2);
  }
  http.socket.async_read_some(
      asio::buffer(http.in.data() + http.in_len, http.in.size() - http.in_len),
      [this, &http, on_body](const boost::system::error_code& ec, std::size_t n) {
        if (ended()) return;
        if (ec) return fail("read", ec);
        http.in_len += n;
        read_response(http, on_body);
      });
}

bool PollConn::take_response(Http& http, OnBody on_body) {
  std::string_view data(http.in.data(), http.in_len);
  auto end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) return false;
  std::string_view head = data.substr(0, end);
  if (!head.starts_with("HTTP/1.1 200")) {
    fail("HTTP answer " + std::string(head.substr(0, head.find('\r'))));
    return true;
  }
  if (!header_value(head, "transfer-encoding").empty()) {
    fail("chunked answers are not supported");
    return true;
  }
  auto length = parse_uint(header_value(head, "content-length"));
  if (!length) {
    fail("answer without Content-Length");
    return true;
  }
  std::size_t total = end + 4 + *length;
  if (http.in_len < total) {
    if (total > http.in.size()) http.in.resize(total);
    return false;
  }
  // The body is copied out: the handler may start the next request on this connection.
  std::string body(data.substr(end + 4, *length));
  std::memmove(http.in.data(), http.in.data() + total, http.in_len - total);
  http.in_len -= total;
  http.busy = false;
  (this->*on_body)(body);
  return true;
}

void PollConn::on_handshake(std::string_view body) {
  // 0{"sid":"...",...}
  auto at = body.find("\"sid\":\"");
  if (!body.starts_with('0') || at == std::string_view::npos)
    return fail("expected the Engine.IO open packet: " + std::string(body.substr(0, 80)));
  auto sid = body.substr(at + 7);
  sid = sid.substr(0, sid.find('"'));
  path_ += "&sid=";
  path_ += sid;
  state_ = State::joining;
  open_socket(post_, "socket setup");
  if (ended()) return;
  post_.socket.async_connect(server_, [this](const boost::system::error_code& ec) {
    if (ended()) return;
    if (ec) return fail("connect", ec);
    post_connected_ = true;
    flush();
  });
  queue_text("40");
  poll();
}

void PollConn::poll() {
  get_.request = "GET " + path_ + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  send_request(get_, &PollConn::on_poll);
}

void PollConn::on_poll(std::string_view body) {
  dispatching_ = true;
  while (!body.empty() && !ended()) {
    auto sep = body.find(kSeparator);
    on_engineio_text(body.substr(0, sep));
    body = sep == std::string_view::npos ? std::string_view{} : body.substr(sep + 1);
  }
  dispatching_ = false;
  if (ended()) return;
  poll();
  flush();
}

void PollConn::queue_text(std::string_view a, std::string_view b) {
  if (!queued_.empty()) queued_ += kSeparator;
  queued_ += a;
  queued_ += b;
}

void PollConn::flush() {
  if (!post_connected_ || post_.busy || queued_.empty() || ended()) return;
  post_.request = "POST " + path_ +
                  " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\n"
                  "Content-Length: " +
                  std::to_string(queued_.size()) + "\r\n\r\n";
  post_.request += queued_;
  queued_.clear();
  send_request(post_, &PollConn::on_posted);
}

void PollConn::on_posted(std::string_view body) {
  if (body != "ok") return fail("POST answered " + std::string(body.substr(0, 80)));
  flush();
}

void PollConn::send_packet(std::string_view packet) {
  if (state_ != State::ready) return;
  queue_text("4", packet);
  if (!dispatching_) flush();
}

void PollConn::send_engineio(std::string_view text) {
  if (state_ != State::ready) return;
  queue_text(text);
  if (!dispatching_) flush();
}

void PollConn::close() {
  if (ended()) return;
  state_ = State::closed;
  boost::system::error_code ignored;
  for (auto* http : {&get_, &post_}) {
    http->socket.shutdown(tcp::socket::shutdown_both, ignored);
    http->socket.close(ignored);
  }
}

}  // namespace soket::bench
