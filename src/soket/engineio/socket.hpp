#pragma once

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "soket/engineio/frame.hpp"
#include "soket/engineio/handshake.hpp"
#include "soket/engineio/options.hpp"
#include "soket/engineio/packet.hpp"
#include "soket/engineio/websocket_transport.hpp"
#include "soket/http/exchange.hpp"
#include "soket/net/deadline_queue.hpp"

namespace soket::engineio {

class Server;

/// Receives what happens on an Engine.IO session; the Socket.IO layer implements it.
class SocketListener {
 public:
  /// A message from the client: text, or binary when `binary`.
  virtual void on_message(std::string_view data, bool binary) = 0;
  /// The session is over. `reason` is one of the reference's: "transport close",
  /// "transport error", "ping timeout", "parse error", "forced close", "server shutting down".
  virtual void on_close(std::string_view reason) = 0;

 protected:
  ~SocketListener() = default;
};

/// One Engine.IO session: its current transport (long-polling or WebSocket), the upgrade between
/// them, the heartbeat and the outgoing buffer.
class Socket final : public std::enable_shared_from_this<Socket>,
                     private WebSocketOwner,
                     private net::DeadlineQueue::Entry {
 public:
  /// Where the session is in its life.
  ///
  /// `open`: packets flow both ways; `closing`: ended (the listener was told), what was queued may
  /// still be going out; `closed`: over, the server has forgotten the session.
  enum class State : uint8_t { open, closing, closed };

  /// `protocol` is the Engine.IO revision the client speaks: 4, or 3 when the server allows it.
  Socket(Server& server, std::string id, Handshake handshake, int protocol = 4);
  ~Socket();

  /// The session id (sid).
  const std::string& id() const { return id_; }
  /// What the client's handshake request carried (headers, query, address, ...).
  const Handshake& handshake() const { return handshake_; }
  /// Where the session is in its life.
  State state() const { return state_; }
  /// The Engine.IO revision of this session: 4, or 3 (allowEIO3).
  int protocol() const { return protocol_; }
  /// Whether the session is open (not closing or closed).
  bool is_open() const { return state_ == State::open; }
  /// "polling" or "websocket".
  std::string_view transport_name() const { return ws_ ? "websocket" : "polling"; }

  /// Sets who receives the session's events (null: nobody); it must outlive the session or be
  /// unset.
  void set_listener(SocketListener* listener) { listener_ = listener; }

  /// Queues frames for the client. Dropped once the session is closing.
  void send(const Frame& frame);
  /// Queues several frames at once (one Socket.IO packet with its attachments, in order).
  void send(std::span<const Frame> frames);

  /// Closes the session after what is queued has been sent.
  void close(std::string_view reason = "forced close");

  /// Bytes queued for the client and not written yet (the polling buffer, or the WebSocket's
  /// queue); the session closes with "transport error" past ServerOptions::max_buffered_bytes.
  std::size_t buffered_bytes() const;
  /// Whether a packet sent now goes out at once: a GET is waiting with nothing queued before it,
  /// or the WebSocket has no write under way (Node's transport.writable; volatile packets are
  /// dropped when it is false).
  bool writable() const;
  /// What went wrong behind a "transport error" or "transport close" ("poll connection closed
  /// prematurely", the socket error...), or "" (the reason says it all).
  const std::string& close_description() const;

 private:
  friend class Server;

  // Called by the Server for requests that carry this session's sid.
  void start_polling(const http::ExchangePtr& handshake_exchange, std::string open_packet);
  void start_websocket(std::shared_ptr<WebSocketTransport> ws, std::string open_packet);
  void on_poll(const http::ExchangePtr& exchange);
  void on_post(const http::ExchangePtr& exchange);
  bool can_upgrade() const;
  void begin_upgrade(std::shared_ptr<WebSocketTransport> ws);

  void on_ws_frame(WebSocketTransport& transport, std::string_view data, bool binary) override;
  void on_ws_closed(WebSocketTransport& transport, net::error_code ec) override;
  void on_ws_frame_v3(std::string_view data, bool binary);
  void on_probe_frame(std::string_view data, bool binary);
  void abort_upgrade();

  /// Handles one packet from the client, whatever the transport; false when it is not allowed.
  bool on_packet(const PacketView& packet);
  void schedule_flush();
  void flush_polling();
  /// Answers the pending GET (see poll_response).
  void respond_poll(std::string body, bool binary = false, bool compress = true);
  /// The answer to a GET: the payload as it is, or wrapped in the JSONP callback; gzip/deflate-
  /// encoded by httpCompression when `compress` (no packet in it said compress(false)).
  http::Response poll_response(const http::Request& request, std::string body, bool binary,
                               bool compress) const;
  /// Answers the pending GET with one text packet ("6", "1"), framed for the session's revision.
  void respond_poll_packet(std::string_view packet);
  std::optional<std::vector<PacketView>> parse_post(std::string_view body, bool octet_stream,
                                                    std::vector<std::string>& binaries) const;
  /// A binary frame as Engine.IO v3 puts it on a WebSocket: led by its type byte, or as "b4" +
  /// base64 text when the client asked for base64 (b64=1).
  Frame websocket_frame_v3(const Frame& frame) const;
  void schedule_ping();
  /// The heartbeat's deadline (the server's DeadlineQueue): a ping is due, or its pong is late.
  void on_deadline() override;
  void on_close(std::string_view reason, bool flush, std::string_view description = {});
  void poll_while_closing();
  void finish_close();
  boost::asio::steady_timer& upgrade_timer();  // created on first use
  void cancel_upgrade_timer() {
    if (extra_ && extra_->timer) extra_->timer->cancel();
  }

  Server& server_;
  std::string id_;
  // The members from state_ to awaiting_pong_ fit in the handshake's tail padding (16 bytes less
  // per session).
  [[no_unique_address]] Handshake handshake_;
  State state_ = State::open;
  uint8_t protocol_ = 4;
  bool supports_binary_ = true;  // false when the client asked for base64 (b64=1) or uses JSONP
  bool jsonp_ = false;  // JSONP polling: the handshake's query has a `j` (the callback index)
  bool awaiting_pong_ = false;  // the heartbeat's deadline is the pong's, not the next ping's
  SocketListener* listener_ = nullptr;

  std::shared_ptr<WebSocketTransport> ws_;

  /// What a session on WebSocket from its first request never needs: the long-polling side, an
  /// upgrade under way, the close's description. Made on first use (with that and the members in
  /// the handshake's tail padding, the session object went from 424 to 264 bytes).
  struct Extra {
    http::ExchangePtr pending_poll;
    std::vector<Frame> buffer;
    std::size_t buffered_bytes = 0;
    std::shared_ptr<WebSocketTransport> probe;         // the WebSocket being probed for an upgrade
    std::unique_ptr<boost::asio::steady_timer> timer;  // for an upgrade or a polling close
    std::string close_description;
    bool flush_scheduled = false;
    bool probed = false;
  };
  Extra& extra() {
    if (!extra_) extra_ = std::make_unique<Extra>();
    return *extra_;
  }
  bool has_pending_poll() const { return extra_ && extra_->pending_poll; }
  bool polling_buffer_empty() const { return !extra_ || extra_->buffer.empty(); }
  std::unique_ptr<Extra> extra_;
};

}  // namespace soket::engineio
