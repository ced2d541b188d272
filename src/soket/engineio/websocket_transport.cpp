#include "soket/engineio/websocket_transport.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/error.hpp>

#include <algorithm>
#include <optional>
#include <span>
#include <variant>

#include "soket/engineio/deflate.hpp"
#include "soket/engineio/websocket_handshake.hpp"
#include "soket/util/utf8.hpp"

namespace soket::engineio {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

// One write gathers at most this many frames (asio passes 64 buffers per writev) and bytes.
constexpr std::size_t kMaxGatherFrames = 32;
constexpr std::size_t kMaxGatherBytes = 256 * 1024;
// Reads per readiness before other connections get their turn.
constexpr int kMaxReadsPerWake = 4;
// Bytes read at a time into an incomplete frame's own buffer.
constexpr std::size_t kPendingChunk = 16 * 1024;
// How long a peer has to answer our close frame.
constexpr auto kCloseTimeout = std::chrono::seconds(5);
// A queue that grew past this is released once it drains.
constexpr std::size_t kKeptQueueCapacity = 16;
// An inflate buffer that grew past this is released after its message.
constexpr std::size_t kKeptInflateCapacity = 64 * 1024;

constexpr uint8_t kOpText = 0x1;
constexpr uint8_t kOpBinary = 0x2;
constexpr uint8_t kOpClose = 0x8;
constexpr uint8_t kOpPong = 0xA;

// The read buffer every connection of this thread reads into.
std::span<char> shared_read_buffer() {
  thread_local std::array<char, 64 * 1024> buffer;
  return buffer;
}

// RFC 6455 header of an unmasked, unfragmented server frame; RSV1 marks a compressed message.
uint8_t frame_header(uint8_t opcode, std::size_t size, std::array<char, 10>& out,
                     bool rsv1 = false) {
  out[0] = static_cast<char>(0x80 | (rsv1 ? 0x40 : 0) | opcode);
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

bool would_block(const net::error_code& ec) {
  return ec == net::asio::error::would_block || ec == net::asio::error::try_again;
}

net::error_code error_for_close_code(uint16_t code) {
  switch (code) {
    case close_code::too_big:
      return websocket::error::message_too_big;
    case close_code::invalid_payload:
      return websocket::error::bad_frame_payload;
    default:
      return websocket::error::bad_opcode;
  }
}

}  // namespace

// Frames found by the reader, turned into owner calls and control replies.
class WebSocketTransport::Sink final : public WsFrameSink {
 public:
  explicit Sink(WebSocketTransport& t) : t_(t) {}

  bool on_ws_message(std::string_view data, bool binary, bool compressed) override {
    if (compressed) return t_.on_compressed_message(data, binary);
    if (t_.owner_) t_.owner_->on_ws_frame(t_, data, binary);
    return !t_.closed_;
  }
  bool on_ws_ping(std::string_view payload) override {
    t_.queue_control(kOpPong, payload);
    return !t_.closed_;
  }
  bool on_ws_close_frame(uint16_t code, std::string_view) override {
    t_.close_received_ = true;
    if (t_.close_sent_) {
      t_.notify_closed(websocket::error::closed);
      t_.finish_close();  // the handshake we started is complete
      return false;
    }
    // Echo the code (§5.5.1), then hang up. The close is under way before the owner hears of it,
    // so that it does not abort the connection instead.
    t_.closing_ = true;
    t_.close_when_written_ = true;
    t_.send_close(code == close_code::no_status ? 0 : code);
    t_.notify_closed(websocket::error::closed);
    return false;
  }

 private:
  WebSocketTransport& t_;
};

// What a TLS connection has beyond a plain one.
struct WebSocketTransport::Tls {
  explicit Tls(http::TlsStream s) : stream(std::move(s)) {}
  http::TlsStream stream;
  std::array<char, 16 * 1024> read_buffer;  // TLS records are at most 16 KiB
  std::string out;                          // the write in flight
  std::size_t out_frame_bytes = 0;          // payload bytes of the frames in `out`
};

void WebSocketTransport::accept(http::AnyStream stream, const http::Request& request, Limits limits,
                                const PerMessageDeflateOptions& deflate, Accepted done,
                                const http::HeaderList& extra_headers) {
  if (websocket_upgrade_error(request)) {
    std::visit([](auto& s) { beast::get_lowest_layer(s).close(); }, stream);
    return done(websocket::error::bad_sec_key, nullptr);
  }
  // permessage-deflate is agreed here: the frames are ours.
  std::optional<DeflateAgreement> agreement;
  if (deflate.enabled) {
    auto offers = request.find(beast::http::field::sec_websocket_extensions);
    if (offers != request.end()) agreement = negotiate_deflate(offers->value(), deflate);
  }
  const DeflateParams* params = agreement ? &agreement->params : nullptr;
  auto transport = std::visit(
      [&](auto& s) {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, http::TlsStream>) {
          return std::make_shared<WebSocketTransport>(std::move(s), limits, params);
        } else {
          return std::make_shared<WebSocketTransport>(s.release_socket(), limits, params);
        }
      },
      stream);
  // The 101 goes first in the queue: it leaves in one write with whatever the owner sends at once
  // (the Engine.IO open packet), and the client reads both in one go.
  Queued& q = transport->queue_.emplace_back();
  q.bytes = make_shared_bytes(websocket_upgrade_response(
      request, extra_headers, agreement ? std::string_view(agreement->response) : ""));
  q.header_size = 0;
  transport->queued_bytes_ += q.bytes->size();
  transport->schedule_flush();
  done({}, std::move(transport));
}

WebSocketTransport::WebSocketTransport(net::TcpSocket socket, Limits limits,
                                       const DeflateParams* deflate)
    : socket_(std::move(socket)),
      reader_(limits.max_message_size),
      max_buffered_bytes_(limits.max_buffered_bytes) {
  if (deflate) {
    deflate_ = std::make_unique<PerMessageDeflate>(*deflate);
    reader_.allow_compressed(true);
  }
  net::error_code ignored;
  socket_.non_blocking(true, ignored);
}

WebSocketTransport::WebSocketTransport(http::TlsStream stream, Limits limits,
                                       const DeflateParams* deflate)
    : socket_(stream.get_executor()),
      tls_(std::make_unique<Tls>(std::move(stream))),
      reader_(limits.max_message_size),
      max_buffered_bytes_(limits.max_buffered_bytes) {
  if (deflate) {
    deflate_ = std::make_unique<PerMessageDeflate>(*deflate);
    reader_.allow_compressed(true);
  }
}

WebSocketTransport::~WebSocketTransport() = default;

// Reading ------------------------------------------------------------------------------------

void WebSocketTransport::start_reading() {
  if (std::exchange(reading_, true)) return;
  if (tls_) return read_tls();
  // A first read right away: bytes may have arrived before anyone waited for them.
  net::asio::post(socket_.get_executor(), [self = shared_from_this()] { self->on_readable(); });
}

void WebSocketTransport::wait_readable() {
  socket_.async_wait(net::tcp::socket::wait_read, [self = shared_from_this()](net::error_code ec) {
    if (self->closed_) return;
    if (ec) {
      self->notify_closed(ec);
      return self->finish_close();
    }
    self->on_readable();
  });
}

// Reads until the socket is drained (a short read), so that waiting for readability afterwards
// cannot miss bytes that are already there.
void WebSocketTransport::on_readable() {
  if (closed_) return;
  auto self = shared_from_this();  // owner callbacks may drop the last other reference
  for (int round = 0; round < kMaxReadsPerWake; ++round) {
    net::error_code ec;
    std::size_t capacity;
    std::size_t n;
    bool go_on;
    if (!pending_) {
      auto buffer = shared_read_buffer();
      capacity = buffer.size();
      n = socket_.read_some(net::asio::buffer(buffer.data(), capacity), ec);
      go_on = !ec && handle_input(buffer.data(), n);
    } else {
      std::string& pending = *pending_;
      std::size_t have = pending.size();
      std::size_t frame = WsFrameReader::frame_size(pending.data(), have);
      capacity = frame > have ? std::min(frame - have, std::size_t{1} << 20) : kPendingChunk;
      pending.resize(have + capacity);
      n = socket_.read_some(net::asio::buffer(pending.data() + have, capacity), ec);
      pending.resize(have + (ec ? 0 : n));
      go_on = !ec && handle_input(pending.data(), pending.size());
    }
    if (closed_) return;
    if (would_block(ec)) return wait_readable();
    if (ec) {
      notify_closed(ec);  // eof without a close frame, or a reset
      return finish_close();
    }
    if (!go_on) return;  // a close frame arrived: nothing after it is read
    if (n < capacity) return wait_readable();
  }
  net::asio::post(socket_.get_executor(), [self] { self->on_readable(); });
}

// Parses `data` (the shared buffer or pending_ itself) and keeps an incomplete frame in pending_.
bool WebSocketTransport::handle_input(char* data, std::size_t size) {
  Sink sink(*this);
  auto result = reader_.parse(data, size, sink);
  if (result.error) {
    fail(error_for_close_code(result.error), result.error);
    return false;
  }
  if (result.stopped || closed_) return false;
  std::size_t rest = size - result.consumed;
  if (pending_ && data == pending_->data()) {
    if (rest == 0) {
      pending_.reset();  // an idle connection keeps no buffer
    } else {
      pending_->erase(0, result.consumed);
    }
  } else if (rest > 0) {
    std::size_t frame = WsFrameReader::frame_size(data + result.consumed, rest);
    if (!pending_) pending_ = std::make_unique<std::string>();
    pending_->reserve(std::max(frame, rest));
    pending_->assign(data + result.consumed, rest);
  }
  return true;
}

// Inflates a compressed message for the owner; a bomb closes with 1009, garbage with 1007.
bool WebSocketTransport::on_compressed_message(std::string_view data, bool binary) {
  thread_local std::string inflated;
  auto result = deflate_->inflate(data, reader_.max_message_size(), inflated);
  uint16_t error = 0;
  if (result == PerMessageDeflate::InflateResult::too_big) {
    error = close_code::too_big;
  } else if (result != PerMessageDeflate::InflateResult::ok ||
             (!binary && !is_valid_utf8(inflated))) {
    error = close_code::invalid_payload;
  }
  if (!error && owner_) owner_->on_ws_frame(*this, inflated, binary);
  if (inflated.capacity() > kKeptInflateCapacity) inflated = std::string();
  if (error) {
    fail(error_for_close_code(error), error);
    return false;
  }
  return !closed_;
}

// Writing ------------------------------------------------------------------------------------

bool WebSocketTransport::send(const Frame& frame) {
  if (closing_ || closed_) return true;
  bool compress = deflate_ && frame.compress && frame.bytes->size() >= deflate_->params().threshold;
  // Compressed now, in sending order, as context takeover requires.
  SharedBytes bytes = compress ? deflate_->compress(frame.bytes) : frame.bytes;
  std::size_t size = bytes->size();
  if (queued_bytes_ + size > max_buffered_bytes_ && head_ < queue_.size()) return false;
  std::array<char, 10> header;
  uint8_t header_size = frame_header(frame.binary ? kOpBinary : kOpText, size, header, compress);
  if (queue_.size() == 1 && head_ == 0 && head_offset_ == 0 && queue_.front().header_size == 0) {
    // The 101 is still queued (it alone has no frame header): this frame (the Engine.IO open
    // packet) joins its bytes, so an idle connection's queue never grows past one entry.
    Queued& upgrade = queue_.front();
    std::string joined;
    joined.reserve(upgrade.bytes->size() + header_size + size);
    joined.append(*upgrade.bytes).append(header.data(), header_size).append(*bytes);
    queued_bytes_ += header_size + size;
    upgrade.bytes = make_shared_bytes(std::move(joined));
    return true;  // the flush is scheduled already
  }
  queued_bytes_ += size;
  Queued& q = queue_.emplace_back();
  q.bytes = std::move(bytes);
  q.header = header;
  q.header_size = header_size;
  schedule_flush();
  return true;
}

void WebSocketTransport::queue_control(uint8_t opcode, std::string_view payload) {
  if (closed_ || close_sent_) return;
  Queued& q = queue_.emplace_back();
  q.bytes = make_shared_bytes(payload);
  q.header_size = frame_header(opcode, payload.size(), q.header);
  queued_bytes_ += payload.size();
  schedule_flush();
}

// Frames sent during this turn of the loop are written together at its end.
void WebSocketTransport::schedule_flush() {
  if (waiting_writable_ || flush_scheduled_ || closed_) return;
  flush_scheduled_ = true;
  net::asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->flush();
  });
}

void WebSocketTransport::flush() {
  if (closed_ || waiting_writable_) return;
  if (tls_) return flush_tls();
  thread_local std::array<net::asio::const_buffer, 2 * kMaxGatherFrames> gather;
  while (head_ < queue_.size()) {
    std::size_t count = 0;
    std::size_t bytes = 0;
    for (std::size_t i = head_; i < queue_.size(); ++i) {
      if (count + 2 > gather.size() || (count > 0 && bytes >= kMaxGatherBytes)) break;
      const Queued& q = queue_[i];
      std::size_t skip = i == head_ ? head_offset_ : 0;
      if (skip < q.header_size) {
        gather[count++] = net::asio::buffer(q.header.data() + skip, q.header_size - skip);
        skip = 0;
      } else {
        skip -= q.header_size;
      }
      gather[count++] = net::asio::buffer(q.bytes->data() + skip, q.bytes->size() - skip);
      bytes += q.header_size + q.bytes->size();
    }
    net::error_code ec;
    std::size_t n =
        socket_.write_some(std::span<const net::asio::const_buffer>(gather.data(), count), ec);
    if (would_block(ec)) return wait_writable();
    if (ec) {
      notify_closed(ec);
      return finish_close();
    }
    // Drop what went out; a frame written in part stays at the head with its offset.
    while (head_ < queue_.size()) {
      Queued& q = queue_[head_];
      std::size_t left = q.header_size + q.bytes->size() - head_offset_;
      if (n < left) {
        head_offset_ += n;
        break;
      }
      n -= left;
      queued_bytes_ -= q.bytes->size();
      q.bytes.reset();
      ++head_;
      head_offset_ = 0;
    }
  }
  queue_.clear();
  head_ = 0;
  if (queue_.capacity() > kKeptQueueCapacity) queue_ = {};
  after_flush();
}

void WebSocketTransport::wait_writable() {
  waiting_writable_ = true;
  socket_.async_wait(net::tcp::socket::wait_write, [self = shared_from_this()](net::error_code ec) {
    self->waiting_writable_ = false;
    if (self->closed_) return;
    if (ec) {
      self->notify_closed(ec);
      return self->finish_close();
    }
    self->flush();
  });
}

// The queue is empty: the moment to go on with a close.
void WebSocketTransport::after_flush() {
  if (closing_ && !close_sent_) return send_close(close_code::normal);
  if (!close_sent_) return;
  if (close_when_written_ || close_received_) return finish_close();
  // Wait (reading on) for the peer's close frame, but not for ever.
  if (close_timer_) return;
  close_timer_ = std::make_unique<net::asio::steady_timer>(socket_.get_executor(), kCloseTimeout);
  close_timer_->async_wait([self = shared_from_this()](net::error_code ec) {
    if (!ec) self->finish_close();
  });
}

// Lifecycle ----------------------------------------------------------------------------------

void WebSocketTransport::close() {
  if (closing_ || closed_) return;
  closing_ = true;
  if (!flush_scheduled_ && !waiting_writable_ && head_ == queue_.size()) after_flush();
  // Otherwise the flush that drains the queue sends the close frame.
}

// Queues our close frame (code 0: none) after everything queued so far.
void WebSocketTransport::send_close(uint16_t code) {
  if (closed_ || close_sent_) return;
  char payload[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  queue_control(kOpClose, std::string_view(payload, code ? 2 : 0));
  close_sent_ = true;
  start_reading();  // to see the peer's answer even if nobody started reading
}

// The peer broke the protocol: say why in a close frame and hang up once it is written.
void WebSocketTransport::fail(net::error_code ec, uint16_t code) {
  if (close_sent_) {
    notify_closed(ec);
    return finish_close();
  }
  closing_ = true;  // before the owner hears of it, so that it does not abort instead
  close_when_written_ = true;
  send_close(code);
  notify_closed(ec);
}

void WebSocketTransport::notify_closed(net::error_code ec) {
  if (auto* owner = std::exchange(owner_, nullptr)) owner->on_ws_closed(*this, ec);
}

void WebSocketTransport::finish_close() {
  if (std::exchange(closed_, true)) return;
  owner_ = nullptr;
  net::error_code ignored;
  auto& socket = tls_ ? tls_->stream.next_layer().socket() : socket_;
  socket.shutdown(net::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);  // completes pending waits with operation_aborted
  close_timer_.reset();
  queue_ = {};
  head_ = 0;
  queued_bytes_ = 0;
  pending_.reset();
}

void WebSocketTransport::abort() {
  finish_close();
}

// TLS --------------------------------------------------------------------------------------------

void WebSocketTransport::read_tls() {
  tls_->stream.async_read_some(
      net::asio::buffer(tls_->read_buffer),
      [self = shared_from_this()](net::error_code ec, std::size_t n) { self->on_tls_read(ec, n); });
}

void WebSocketTransport::on_tls_read(net::error_code ec, std::size_t n) {
  if (closed_) return;
  if (ec) {
    notify_closed(ec);  // eof without a close frame, a reset, or a TLS error
    return finish_close();
  }
  auto self = shared_from_this();  // owner callbacks may drop the last other reference
  bool go_on;
  if (!pending_) {
    go_on = handle_input(tls_->read_buffer.data(), n);
  } else {
    pending_->append(tls_->read_buffer.data(), n);
    go_on = handle_input(pending_->data(), pending_->size());
  }
  if (closed_ || !go_on) return;  // after a close frame nothing more is read
  read_tls();
}

// Everything queued (up to kMaxGatherBytes, or one larger frame) is copied into one buffer and
// leaves in one TLS write: a record per frame would cost far more than the copy.
void WebSocketTransport::flush_tls() {
  std::string& out = tls_->out;
  out.clear();
  std::size_t frame_bytes = 0;
  while (head_ < queue_.size() && (out.empty() || out.size() < kMaxGatherBytes)) {
    Queued& q = queue_[head_];
    out.append(q.header.data(), q.header_size);
    out.append(q.bytes->data(), q.bytes->size());
    frame_bytes += q.bytes->size();
    q.bytes.reset();
    ++head_;
  }
  if (head_ == queue_.size()) {
    queue_.clear();
    head_ = 0;
    if (queue_.capacity() > kKeptQueueCapacity) queue_ = {};
  }
  if (out.empty()) return after_flush();
  tls_->out_frame_bytes = frame_bytes;
  waiting_writable_ = true;
  net::asio::async_write(tls_->stream, net::asio::buffer(out),
                         [self = shared_from_this()](net::error_code ec, std::size_t) {
                           self->waiting_writable_ = false;
                           if (self->closed_) return;
                           self->queued_bytes_ -= self->tls_->out_frame_bytes;
                           if (self->tls_->out.capacity() > kMaxGatherBytes)
                             self->tls_->out = std::string();
                           if (ec) {
                             self->notify_closed(ec);
                             return self->finish_close();
                           }
                           self->flush();
                         });
}

}  // namespace soket::engineio
