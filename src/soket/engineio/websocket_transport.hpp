#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "soket/engineio/frame.hpp"
#include "soket/engineio/options.hpp"
#include "soket/engineio/ws_frame_reader.hpp"
#include "soket/http/stream.hpp"
#include "soket/http/types.hpp"
#include "soket/net/asio.hpp"

namespace soket::engineio {

class WebSocketTransport;
class PerMessageDeflate;
struct DeflateParams;

/// Receives what a WebSocket transport reads. Called on the io thread.
class WebSocketOwner {
 public:
  /// A data message arrived (inflated when it was compressed): text, or binary when `binary`.
  virtual void on_ws_frame(WebSocketTransport& transport, std::string_view data, bool binary) = 0;
  /// Once per transport: boost::beast::websocket::error::closed after a close handshake, another
  /// error when the connection broke or the peer broke the protocol.
  virtual void on_ws_closed(WebSocketTransport& transport, net::error_code ec) = 0;

 protected:
  ~WebSocketOwner() = default;
};

/// One WebSocket connection from its opening handshake on (see accept()). The
/// frames are read and written here, on the bare socket, because this is the hot path and what
/// every idle connection holds in memory:
/// - an idle connection owns no read buffer: it waits for readability and then reads into one
///   buffer shared by all connections of the thread; only an incomplete frame is kept aside;
/// - server frames are unmasked, so a frame is a 2–10 byte header plus the shared Engine.IO packet
///   bytes (a broadcast is encoded once and never copied);
/// - everything queued for a connection during one turn of the loop leaves in one gathered,
///   non-blocking write; a write that would block waits for writability and goes on.
/// Over TLS (a wss:// connection) the frames go through OpenSSL instead: one read at a time into
/// the connection's own buffer, and what is queued is gathered into one TLS write; none of this
/// touches a plain connection, which only tests a null pointer where the paths part.
/// The write queue is bounded. With permessage-deflate agreed, data messages from the threshold up
/// go out compressed (RSV1) unless their Frame says not to, and compressed client messages are
/// inflated up to the message size limit.
class WebSocketTransport : public std::enable_shared_from_this<WebSocketTransport> {
 public:
  /// The bounds of one WebSocket connection.
  struct Limits {
    std::size_t max_message_size;    ///< larger client messages close with 1009
    std::size_t max_buffered_bytes;  ///< send() refuses past this many queued bytes
  };

  /// Gets the transport once the handshake is done, or the error that ended it.
  using Accepted = std::function<void(net::error_code, std::shared_ptr<WebSocketTransport>)>;

  /// Answers the opening handshake for `request` on `stream` and hands over the transport at once
  /// (`done` runs before accept() returns): the 101 response is queued ahead of everything sent
  /// next and leaves in the same write. permessage-deflate is agreed when `deflate` is enabled and
  /// the client offers it; `extra_headers` go into the 101 response. A request that
  /// websocket_upgrade_error() refuses closes the stream with an error and no answer: check it
  /// first to answer such a request with an HTTP error.
  static void accept(http::AnyStream stream,
                     const boost::beast::http::request<boost::beast::http::string_body>& request,
                     Limits limits, const PerMessageDeflateOptions& deflate, Accepted done,
                     const http::HeaderList& extra_headers = {});

  /// `deflate`: the agreed permessage-deflate parameters, or null when it is not in use.
  WebSocketTransport(net::TcpSocket socket, Limits limits, const DeflateParams* deflate = nullptr);
  /// A wss:// connection, after its handshake.
  WebSocketTransport(http::TlsStream stream, Limits limits, const DeflateParams* deflate = nullptr);
  ~WebSocketTransport();

  /// Sets who receives what the transport reads (null: nobody).
  void set_owner(WebSocketOwner* owner) { owner_ = owner; }
  /// Keeps `lease` (the HTTP connection's place under the server's connection limits) for as long
  /// as this transport lives.
  void hold(std::shared_ptr<void> lease) { lease_ = std::move(lease); }
  /// Starts reading frames; events go to the owner.
  void start_reading();

  /// Queues a frame; false when the queue is over its limit (the peer is too slow).
  bool send(const Frame& frame);

  /// Writes what is queued, then closes with a close frame.
  void close();

  /// Drops the connection now, without the close handshake.
  void abort();

  /// Whether a close is under way (close() was called or the client sent a close frame).
  bool is_closing() const { return closing_; }
  /// Bytes of queued frames not written to the socket yet.
  std::size_t buffered_bytes() const { return queued_bytes_; }
  /// Nothing is queued or being written: a frame sent now goes out at once (Node's `writable`).
  bool writable() const {
    return head_ == queue_.size() && !waiting_writable_ && !closing_ && !closed_;
  }

 private:
  class Sink;
  struct Queued {
    SharedBytes bytes;
    std::array<char, 10> header;
    uint8_t header_size;
  };

  void on_readable();
  void wait_readable();
  bool handle_input(char* data, std::size_t size);
  void queue_control(uint8_t opcode, std::string_view payload);
  bool on_compressed_message(std::string_view data, bool binary);
  void schedule_flush();
  void flush();
  void wait_writable();
  void after_flush();
  void send_close(uint16_t code);
  void fail(net::error_code ec, uint16_t close_code);
  void notify_closed(net::error_code ec);
  void finish_close();
  void read_tls();
  void on_tls_read(net::error_code ec, std::size_t n);
  void flush_tls();

  std::shared_ptr<void> lease_;
  net::TcpSocket socket_;  // plain; over TLS an unopened socket that only gives the executor
  struct Tls;
  std::unique_ptr<Tls> tls_;  // only over TLS
  WsFrameReader reader_;
  std::unique_ptr<PerMessageDeflate> deflate_;  // only when permessage-deflate was agreed
  std::unique_ptr<std::string> pending_;        // an incomplete frame, while its bytes arrive
  std::vector<Queued> queue_;                   // frames to write; queue_[head_] is the next one
  std::size_t head_offset_ = 0;                 // bytes of queue_[head_] already written
  std::size_t queued_bytes_ = 0;
  std::size_t max_buffered_bytes_;
  std::unique_ptr<net::asio::steady_timer> close_timer_;  // only while closing
  WebSocketOwner* owner_ = nullptr;
  uint32_t head_ = 0;  // beside the flags: 8 bytes less per connection
  bool reading_ = false;
  bool waiting_writable_ = false;
  bool flush_scheduled_ = false;
  bool closing_ = false;             // close() was called: drain, then send the close frame
  bool close_sent_ = false;          // our close frame is queued
  bool close_received_ = false;      // the peer's close frame arrived
  bool close_when_written_ = false;  // hang up once our close frame is out, without waiting
  bool closed_ = false;              // the socket is closed
};

}  // namespace soket::engineio
