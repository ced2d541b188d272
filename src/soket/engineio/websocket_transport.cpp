#include "soket/engineio/websocket_transport.hpp"

#include <boost/asio/buffer.hpp>

namespace soket::engineio {

namespace websocket = boost::beast::websocket;

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
  stream_.async_read(read_buffer_, [self = shared_from_this()](net::error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) {
      if (auto* owner = std::exchange(self->owner_, nullptr)) owner->on_ws_closed(*self, ec);
      self->abort();
      return;
    }
    auto data = self->read_buffer_.cdata();
    std::string_view view(static_cast<const char*>(data.data()), data.size());
    if (self->owner_) self->owner_->on_ws_frame(*self, view, !self->stream_.got_text());
    self->read_buffer_.consume(self->read_buffer_.size());
    if (!self->closed_) self->read_next();
  });
}

bool WebSocketTransport::send(const Frame& frame) {
  if (closing_ || closed_) return true;
  if (queued_bytes_ + frame.bytes->size() > max_buffered_bytes_ && !queue_.empty()) return false;
  queued_bytes_ += frame.bytes->size();
  queue_.push_back(frame);
  if (!writing_) write_next();
  return true;
}

void WebSocketTransport::write_next() {
  if (queue_.empty() || closed_) {
    writing_ = false;
    if (closing_ && !closed_) start_close();
    return;
  }
  writing_ = true;
  const Frame& frame = queue_.front();
  stream_.text(!frame.binary);
  stream_.async_write(boost::asio::buffer(*frame.bytes),
                      [self = shared_from_this()](net::error_code ec, std::size_t) {
                        auto& front = self->queue_.front();
                        self->queued_bytes_ -= front.bytes->size();
                        self->queue_.pop_front();
                        if (ec) {
                          self->writing_ = false;
                          self->abort();
                          return;
                        }
                        self->write_next();
                      });
}

void WebSocketTransport::close() {
  if (closing_ || closed_) return;
  closing_ = true;
  if (!writing_) start_close();
}

void WebSocketTransport::start_close() {
  stream_.async_close(websocket::close_code::normal,
                      [self = shared_from_this()](net::error_code) { self->abort(); });
}

void WebSocketTransport::abort() {
  closed_ = true;
  owner_ = nullptr;
  net::error_code ignored;
  auto& socket = stream_.next_layer().socket();
  socket.shutdown(net::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace soket::engineio
