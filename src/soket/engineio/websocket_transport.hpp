#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string_view>

#include "soket/engineio/frame.hpp"
#include "soket/net/asio.hpp"

namespace soket::engineio {

class WebSocketTransport;

/// Receives what a WebSocket transport reads. Called on the io thread.
class WebSocketOwner {
 public:
  virtual void on_ws_frame(WebSocketTransport& transport, std::string_view data, bool binary) = 0;
  virtual void on_ws_closed(WebSocketTransport& transport, net::error_code ec) = 0;

 protected:
  ~WebSocketOwner() = default;
};

/// One accepted WebSocket: a read loop that hands each message to its owner and a bounded write
/// queue with one write in flight.
class WebSocketTransport : public std::enable_shared_from_this<WebSocketTransport> {
 public:
  using Stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;

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
  void read_next();
  void write_next();
  void start_close();

  Stream stream_;
  boost::beast::flat_buffer read_buffer_;
  std::deque<Frame> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t max_buffered_bytes_;
  WebSocketOwner* owner_ = nullptr;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

}  // namespace soket::engineio
