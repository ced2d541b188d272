#include "soket/engineio/websocket_transport.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>

#include <span>

namespace soket::engineio {

namespace websocket = boost::beast::websocket;

void teardown(boost::beast::role_type role, SerialStream& stream, net::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

namespace {

// One write gathers at most this many frames (asio passes 64 buffers per writev) and bytes.
constexpr std::size_t kMaxGatherFrames = 32;
constexpr std::size_t kMaxGatherBytes = 256 * 1024;

// RFC 6455 header of an unmasked, unfragmented server frame.
uint8_t frame_header(bool binary, std::size_t size, std::array<char, 10>& out) {
  out[0] = static_cast<char>(0x80 | (binary ? 0x2 : 0x1));
  if (size < 126) {
    out[1] = static_cast<char>(size);
    return 2;
  }
  if (size < 65536) {
    out[1] = 126;
    out[2] = static_cast<char>(size >> 8);
    out[3] = static_cast<char>(size & 0xff);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i)
    out[2 + i] = static_cast<char>((static_cast<uint64_t>(size) >> (8 * (7 - i))) & 0xff);
  return 10;
}

}  // namespace

WebSocketTransport::WebSocketTransport(Stream stream, std::size_t max_buffered_bytes)
    : stream_(std::move(stream)), max_buffered_bytes_(max_buffered_bytes) {}

void WebSocketTransport::accept(
    const boost::beast::http::request<boost::beast::http::string_body>& request,
    std::size_t max_message_size, std::function<void(net::error_code)> done) {
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = websocket::stream_base::none();  // Engine.IO has its own heartbeat
  timeouts.keep_alive_pings = false;
  stream_.set_option(timeouts);
  stream_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(boost::beast::http::field::server, "soket"); }));
  stream_.read_message_max(max_message_size);
  stream_.auto_fragment(false);
  stream_.async_accept(request, [self = shared_from_this(),
                                 done = std::move(done)](net::error_code ec) { done(ec); });
}

void WebSocketTransport::start_reading() {
  read_next();
}

void WebSocketTransport::read_next() {
  // An idle connection waits with a small buffer (most messages fit in it); a message that does
  // not is read on in larger pieces, and the buffer shrinks back once it has been handled.
  constexpr std::size_t kIdleRead = 256;
  constexpr std::size_t kBulkRead = 64 * 1024;
  std::size_t limit = read_buffer_.size() == 0 ? kIdleRead : kBulkRead;
  stream_.async_read_some(
      read_buffer_, limit, [self = shared_from_this()](net::error_code ec, std::size_t) {
        if (self->closed_) return;
        if (ec) {
          if (auto* owner = std::exchange(self->owner_, nullptr)) owner->on_ws_closed(*self, ec);
          self->abort();
          return;
        }
        if (self->stream_.is_message_done()) {
          auto data = self->read_buffer_.cdata();
          std::string_view view(static_cast<const char*>(data.data()), data.size());
          if (self->owner_) self->owner_->on_ws_frame(*self, view, !self->stream_.got_text());
          self->read_buffer_.consume(self->read_buffer_.size());
          if (self->read_buffer_.capacity() > kIdleRead) self->read_buffer_.shrink_to_fit();
        }
        if (!self->closed_) self->read_next();
      });
}

bool WebSocketTransport::send(const Frame& frame) {
  if (closing_ || closed_) return true;
  std::size_t size = frame.bytes->size();
  if (queued_bytes_ + size > max_buffered_bytes_ && !queue_.empty()) return false;
  queued_bytes_ += size;
  Queued& q = queue_.emplace_back();
  q.bytes = frame.bytes;
  q.header_size = frame_header(frame.binary, size, q.header);
  schedule_flush();
  return true;
}

// Frames sent during this turn of the loop are written together at its end.
void WebSocketTransport::schedule_flush() {
  if (writing_ || flush_scheduled_) return;
  flush_scheduled_ = true;
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->flush();
  });
}

void WebSocketTransport::flush() {
  if (writing_ || closed_) return;
  if (queue_.empty()) {
    if (gather_.capacity() > 2 * kMaxGatherFrames) gather_ = {};
    if (closing_) start_close();
    return;
  }
  gather_.clear();
  std::size_t bytes = 0;
  in_flight_ = 0;
  for (const auto& q : queue_) {
    if (in_flight_ == kMaxGatherFrames || (in_flight_ > 0 && bytes >= kMaxGatherBytes)) break;
    gather_.emplace_back(q.header.data(), q.header_size);
    gather_.emplace_back(q.bytes->data(), q.bytes->size());
    bytes += q.header_size + q.bytes->size();
    ++in_flight_;
  }
  writing_ = true;
  // Straight into the serial stream, which writes it whole: a pong or close frame from Beast waits
  // for it (asio::async_write would split it into 64 KiB writes that Beast could slip between).
  stream_.next_layer().async_write_some(
      std::span<const boost::asio::const_buffer>(gather_),
      [self = shared_from_this()](net::error_code ec, std::size_t) {
        self->writing_ = false;
        for (std::size_t i = 0; i < self->in_flight_; ++i) {
          self->queued_bytes_ -= self->queue_.front().bytes->size();
          self->queue_.pop_front();
        }
        self->in_flight_ = 0;
        if (ec) return self->abort();
        self->flush();
      });
}

void WebSocketTransport::close() {
  if (closing_ || closed_) return;
  closing_ = true;
  if (!writing_ && queue_.empty()) start_close();
  // Otherwise flush() closes once the queue has drained.
}

void WebSocketTransport::start_close() {
  if (std::exchange(close_started_, true)) return;
  stream_.async_close(websocket::close_code::normal,
                      [self = shared_from_this()](net::error_code) { self->abort(); });
}

void WebSocketTransport::abort() {
  closed_ = true;
  owner_ = nullptr;
  net::error_code ignored;
  auto& socket = stream_.next_layer().next_layer().socket();
  socket.shutdown(net::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace soket::engineio
