#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <array>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "soket/engineio/frame.hpp"
#include "soket/net/asio.hpp"

namespace soket::engineio {

class WebSocketTransport;

/// The TCP stream under the WebSocket. Each write through it goes out whole and in order, one at a
/// time, so the frames the transport writes itself and the control frames Beast writes (pong,
/// close) never interleave on the wire.
class SerialStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  explicit SerialStream(boost::beast::tcp_stream stream) : next_(std::move(stream)) {}

  executor_type get_executor() { return next_.get_executor(); }
  boost::beast::tcp_stream& next_layer() { return next_; }
  const boost::beast::tcp_stream& next_layer() const { return next_; }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    // Straight to the socket: the WebSocket stream keeps its own timeouts.
    return next_.socket().async_read_some(buffers, std::forward<Token>(token));
  }

  /// Writes all of `buffers` (after any write already under way). Callers that must not be split
  /// call this directly: asio::async_write would hand it 64 KiB at a time.
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(net::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          using Handler = std::decay_t<decltype(handler)>;
          if (!writing_) return start(b, std::move(handler));
          waiting_.push_back(std::make_unique<Waiting<Buffers, Handler>>(b, std::move(handler)));
        },
        token, buffers);
  }

 private:
  struct WaitingBase {
    virtual ~WaitingBase() = default;
    virtual void start(SerialStream& stream) = 0;
  };
  template <class Buffers, class Handler>
  struct Waiting final : WaitingBase {
    Waiting(const Buffers& b, Handler h) : buffers(b), handler(std::move(h)) {}
    void start(SerialStream& stream) override { stream.start(buffers, std::move(handler)); }
    Buffers buffers;
    Handler handler;
  };

  template <class Buffers, class Handler>
  void start(const Buffers& buffers, Handler handler) {
    writing_ = true;
    boost::asio::async_write(
        next_.socket(), buffers,
        [this, handler = std::move(handler)](net::error_code ec, std::size_t n) mutable {
          writing_ = false;
          if (!waiting_.empty()) {
            auto next = std::move(waiting_.front());
            waiting_.pop_front();
            next->start(*this);
          }
          handler(ec, n);
        });
  }

  boost::beast::tcp_stream next_;
  std::deque<std::unique_ptr<WaitingBase>> waiting_;
  bool writing_ = false;
};

void teardown(boost::beast::role_type role, SerialStream& stream, net::error_code& ec);

template <class Handler>
void async_teardown(boost::beast::role_type role, SerialStream& stream, Handler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, stream.next_layer(), std::forward<Handler>(handler));
}

/// Receives what a WebSocket transport reads. Called on the io thread.
class WebSocketOwner {
 public:
  virtual void on_ws_frame(WebSocketTransport& transport, std::string_view data, bool binary) = 0;
  virtual void on_ws_closed(WebSocketTransport& transport, net::error_code ec) = 0;

 protected:
  ~WebSocketOwner() = default;
};

/// One accepted WebSocket. Beast does the handshake, the reading and the control frames; data
/// frames go out framed here (server frames are unmasked, so the payload bytes are the shared
/// Engine.IO packet itself) and everything queued in one turn of the loop leaves in one gathered
/// write. The write queue is bounded.
class WebSocketTransport : public std::enable_shared_from_this<WebSocketTransport> {
 public:
  using Stream = boost::beast::websocket::stream<SerialStream>;

  WebSocketTransport(Stream stream, std::size_t max_buffered_bytes);

  /// Completes the WebSocket handshake for `request` (which must outlive the operation).
  void accept(const boost::beast::http::request<boost::beast::http::string_body>& request,
              std::size_t max_message_size, std::function<void(net::error_code)> done);

  void set_owner(WebSocketOwner* owner) { owner_ = owner; }
  void start_reading();

  /// Queues a frame; false when the queue is over its limit (the peer is too slow).
  bool send(const Frame& frame);

  /// Writes what is queued, then closes with a close frame.
  void close();

  /// Drops the connection now, without the close handshake.
  void abort();

  bool is_closing() const { return closing_; }

 private:
  struct Queued {
    SharedBytes bytes;
    std::array<char, 10> header;
    uint8_t header_size;
  };

  void read_next();
  void schedule_flush();
  void flush();
  void start_close();

  Stream stream_;
  boost::beast::flat_buffer read_buffer_;
  std::deque<Queued> queue_;
  std::size_t in_flight_ = 0;  // queue_ entries being written
  std::vector<boost::asio::const_buffer> gather_;
  std::size_t queued_bytes_ = 0;
  std::size_t max_buffered_bytes_;
  WebSocketOwner* owner_ = nullptr;
  bool writing_ = false;
  bool flush_scheduled_ = false;
  bool closing_ = false;
  bool close_started_ = false;
  bool closed_ = false;
};

}  // namespace soket::engineio
