#include "ws_conn.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include <cstring>

#include "source_bind.hpp"

namespace soket::bench {
namespace {

constexpr std::size_t kInitialBuffer = 1024;
constexpr std::size_t kMaxFrame = 16 * 1024 * 1024;

void mask_into(char* dst, std::string_view src, uint32_t key, std::size_t offset) {
  unsigned char k[4];
  std::memcpy(k, &key, 4);
  for (std::size_t i = 0; i < src.size(); ++i)
    dst[i] = static_cast<char>(static_cast<unsigned char>(src[i]) ^ k[(offset + i) & 3]);
}

}  // namespace

WsConn::WsConn(asio::io_context& io, ConnHandler& handler, std::size_t index,
               asio::ssl::context* tls)
    : Conn(handler, index),
      socket_(io),
      tls_context_(tls),
      mask_seed_(0x9e3779b9u ^ (index * 2654435761u)) {}

void WsConn::fail(std::string_view what, const boost::system::error_code& ec) {
  if (state_ == State::failed || state_ == State::closed) return;
  state_ = State::failed;
  boost::system::error_code ignored;
  socket_.close(ignored);
  std::string message(what);
  if (ec) message += ": " + ec.message();
  handler_.on_failed(*this, message);
}

void WsConn::start(const tcp::endpoint& server, const asio::ip::address& source, std::string path) {
  boost::system::error_code ec;
  socket_.open(server.protocol(), ec);
  if (!ec) socket_.set_option(tcp::no_delay(true), ec);
  if (!ec) bind_source(socket_, source, ec);
  if (ec) return fail("socket setup", ec);
  out_ = "GET " + path +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (tls_context_)
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *tls_context_);
  socket_.async_connect(server, [this](const boost::system::error_code& ec) {
    if (ec) return fail("connect", ec);
    if (!tls_) return begin_upgrade();
    tls_->async_handshake(asio::ssl::stream_base::client,
                          [this](const boost::system::error_code& ec) {
                            if (state_ == State::failed || state_ == State::closed) return;
                            if (ec) return fail("TLS handshake", ec);
                            begin_upgrade();
                          });
  });
}

void WsConn::begin_upgrade() {
  state_ = State::upgrading;
  in_.resize(kInitialBuffer);
  flush();
  read_more();
}

void WsConn::read_more() {
  if (in_len_ == in_.size()) in_.resize(in_.size() * 2);
  auto buffer = asio::buffer(in_.data() + in_len_, in_.size() - in_len_);
  auto on_read = [this](const boost::system::error_code& ec, std::size_t n) {
    if (state_ == State::failed || state_ == State::closed) return;
    if (ec) return fail("read", ec);
    in_len_ += n;
    on_bytes();
  };
  if (tls_)
    tls_->async_read_some(buffer, std::move(on_read));
  else
    socket_.async_read_some(buffer, std::move(on_read));
}

void WsConn::on_bytes() {
  if (state_ == State::upgrading && !on_upgrade_response()) {
    if (state_ == State::upgrading) read_more();
    return;
  }
  dispatching_ = true;
  bool ok = parse_frames();
  dispatching_ = false;
  if (!ok) return;
  flush();
  read_more();
}

bool WsConn::on_upgrade_response() {
  std::string_view data(in_.data(), in_len_);
  auto end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (in_len_ > 16 * 1024) fail("upgrade response too large");
    return false;
  }
  if (!data.starts_with("HTTP/1.1 101")) {
    fail("upgrade refused: " + std::string(data.substr(0, data.find('\r'))));
    return false;
  }
  std::size_t used = end + 4;
  std::memmove(in_.data(), in_.data() + used, in_len_ - used);
  in_len_ -= used;
  state_ = State::opening;
  return true;
}

// Parses every complete frame in the buffer; false when the connection failed meanwhile.
bool WsConn::parse_frames() {
  std::size_t pos = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
  while (in_len_ - pos >= 2) {
    uint8_t b0 = p[pos], b1 = p[pos + 1];
    if (b1 & 0x80) return fail("masked frame from server"), false;
    uint64_t len = b1 & 0x7f;
    std::size_t header = 2;
    if (len == 126) {
      if (in_len_ - pos < 4) break;
      len = (uint64_t(p[pos + 2]) << 8) | p[pos + 3];
      header = 4;
    } else if (len == 127) {
      if (in_len_ - pos < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i)
        len = (len << 8) | p[pos + 2 + i];
      header = 10;
    }
    if (len > kMaxFrame) return fail("frame too large"), false;
    if (in_len_ - pos < header + len) {
      if (header + len > in_.size()) in_.resize(header + len);
      break;
    }
    std::string_view payload(in_.data() + pos + header, len);
    pos += header + len;
    if (!(b0 & 0x80)) return fail("fragmented frames are not supported"), false;
    switch (b0 & 0x0f) {
      case 0x1:
        on_engineio_text(payload);
        break;
      case 0x2:
        break;  // binary attachments: counted, not used by the scenarios
      case 0x8:
        return fail("server closed the WebSocket"), false;
      case 0x9:
        append_frame(0xA, payload);
        break;
      case 0xA:
        break;
      default:
        return fail("unknown opcode"), false;
    }
    if (state_ == State::failed || state_ == State::closed) return false;
    p = reinterpret_cast<const unsigned char*>(in_.data());  // a handler never resizes, but be safe
  }
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_len_ - pos);
    in_len_ -= pos;
  }
  return true;
}

void WsConn::queue_text(std::string_view a, std::string_view b) {
  append_frame(0x1, a, b);
}

void WsConn::append_frame(uint8_t opcode, std::string_view a, std::string_view b) {
  std::size_t len = a.size() + b.size();
  char header[14];
  std::size_t h = 0;
  header[h++] = static_cast<char>(0x80 | opcode);
  if (len < 126) {
    header[h++] = static_cast<char>(0x80 | len);
  } else if (len < 65536) {
    header[h++] = static_cast<char>(0x80 | 126);
    header[h++] = static_cast<char>(len >> 8);
    header[h++] = static_cast<char>(len & 0xff);
  } else {
    header[h++] = static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i)
      header[h++] = static_cast<char>((uint64_t(len) >> (8 * i)) & 0xff);
  }
  // xorshift: a fresh mask per frame, as clients must.
  mask_seed_ ^= mask_seed_ << 13;
  mask_seed_ ^= mask_seed_ >> 17;
  mask_seed_ ^= mask_seed_ << 5;
  uint32_t key = mask_seed_;
  std::memcpy(header + h, &key, 4);
  h += 4;
  std::size_t at = out_.size();
  out_.resize(at + h + len);
  std::memcpy(out_.data() + at, header, h);
  mask_into(out_.data() + at + h, a, key, 0);
  mask_into(out_.data() + at + h + a.size(), b, key, a.size());
}

void WsConn::send_packet(std::string_view packet) {
  if (state_ != State::ready) return;
  append_frame(0x1, "4", packet);
  if (!dispatching_) flush();
}

void WsConn::send_engineio(std::string_view text) {
  if (state_ != State::ready) return;
  append_frame(0x1, text);
  if (!dispatching_) flush();
}

void WsConn::flush() {
  if (write_in_flight_ || out_.empty() || state_ == State::failed || state_ == State::closed)
    return;
  write_in_flight_ = true;
  std::swap(out_, writing_);
  auto on_written = [this](const boost::system::error_code& ec, std::size_t) {
    write_in_flight_ = false;
    writing_.clear();
    if (state_ == State::failed || state_ == State::closed) return;
    if (ec) return fail("write", ec);
    flush();
  };
  if (tls_)
    asio::async_write(*tls_, asio::buffer(writing_), std::move(on_written));
  else
    asio::async_write(socket_, asio::buffer(writing_), std::move(on_written));
}

void WsConn::close() {
  if (state_ == State::failed || state_ == State::closed) return;
  state_ = State::closed;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace soket::bench
