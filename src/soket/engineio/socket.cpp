#include "soket/engineio/socket.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/websocket/error.hpp>

#include <algorithm>

#include "soket/engineio/deflate.hpp"
#include "soket/engineio/errors.hpp"
#include "soket/engineio/jsonp.hpp"
#include "soket/engineio/packet.hpp"
#include "soket/engineio/payload_v3.hpp"
#include "soket/engineio/server.hpp"
#include "soket/util/base64.hpp"
#include "soket/util/log.hpp"

namespace soket::engineio {
namespace {

const Frame& ping_frame() {
  static const Frame frame = Frame::text("2");
  return frame;
}

}  // namespace

Socket::Socket(Server& server, std::string id, Handshake handshake, int protocol)
    : server_(server), id_(std::move(id)), handshake_(std::move(handshake)), protocol_(protocol) {
  jsonp_ = handshake_.query.contains("j");
  supports_binary_ = !handshake_.query.contains("b64") && !jsonp_;
}

boost::asio::steady_timer& Socket::upgrade_timer() {
  auto& timer = extra().timer;
  if (!timer) timer = std::make_unique<boost::asio::steady_timer>(server_.io());
  return *timer;
}

Socket::~Socket() {
  if (ws_) ws_->set_owner(nullptr);
  if (extra_ && extra_->probe) extra_->probe->set_owner(nullptr);
}

const std::string& Socket::close_description() const {
  static const std::string none;
  return extra_ ? extra_->close_description : none;
}

void Socket::start_polling(const http::ExchangePtr& handshake_exchange, std::string open_packet) {
  schedule_ping();  // the heartbeat starts with the session, not after the response is queued
  if (protocol_ == 3) {
    std::string body;
    encode_text_packet_v3(open_packet, body);
    open_packet = std::move(body);
  }
  server_.respond(handshake_exchange, poll_response(handshake_exchange->request(),
                                                    std::move(open_packet), false, true));
}

void Socket::start_websocket(std::shared_ptr<WebSocketTransport> ws, std::string open_packet) {
  ws_ = std::move(ws);
  ws_->set_owner(this);
  ws_->send(Frame::text(open_packet));
  ws_->start_reading();
  schedule_ping();
}

void Socket::send(const Frame& frame) {
  if (state_ != State::open) return;
  if (ws_) {
    bool sent =
        protocol_ == 3 && frame.binary ? ws_->send(websocket_frame_v3(frame)) : ws_->send(frame);
    if (!sent) on_close("transport error", false, "send buffer full (max_buffered_bytes)");
    return;
  }
  auto& x = extra();
  x.buffered_bytes += frame.bytes->size();
  x.buffer.push_back(frame);
  if (x.buffered_bytes > server_.options().max_buffered_bytes)
    return on_close("transport error", false, "send buffer full (max_buffered_bytes)");
  schedule_flush();
}

void Socket::send(std::span<const Frame> frames) {
  for (const auto& frame : frames)
    send(frame);
}

void Socket::close(std::string_view reason) {
  on_close(reason, true);
}

std::size_t Socket::buffered_bytes() const {
  if (ws_) return ws_->buffered_bytes();
  return extra_ ? extra_->buffered_bytes : 0;
}

bool Socket::writable() const {
  if (state_ != State::open) return false;
  if (ws_) return ws_->writable();
  return has_pending_poll() && extra_->buffer.empty();
}

// Long-polling --------------------------------------------------------------------------------

void Socket::on_poll(const http::ExchangePtr& exchange) {
  if (ws_)
    return server_.respond(exchange, error_response(exchange->request(), ErrorCode::bad_request));
  auto& x = extra();
  if (x.pending_poll) {
    // Two GETs at once: the protocol forbids it. Refuse the second and end the session.
    server_.respond(exchange, error_response(exchange->request(), ErrorCode::bad_request));
    return on_close("transport error", true, "overlap from client");
  }
  x.pending_poll = exchange;
  exchange->on_abort([weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->extra_->pending_poll.reset();
      self->on_close("transport error", false, "poll connection closed prematurely");
    }
  });
  if (state_ == State::closing) return poll_while_closing();
  if (!x.buffer.empty()) {
    flush_polling();
  } else if (x.probed) {
    respond_poll_packet(
        "6");  // an upgrade is under way: end this poll so the client can complete it
  }
}

void Socket::on_post(const http::ExchangePtr& exchange) {
  if (ws_)
    return server_.respond(exchange, error_response(exchange->request(), ErrorCode::bad_request));
  auto self = shared_from_this();
  if (exchange->request().body().size() > server_.options().max_payload) {
    server_.respond(
        exchange, http::json_error(exchange->request(), http::Status::payload_too_large,
                                   static_cast<int>(ErrorCode::bad_request), "Payload too large"));
    return on_close("transport error", false, "payload too large");
  }
  std::vector<std::string> binaries;
  bool octet_stream = exchange->request()[http::Field::content_type] == "application/octet-stream";
  std::optional<std::string> jsonp_payload;
  std::string_view body = exchange->request().body();
  if (jsonp_) {
    // A JSONP POST is a form whose `d` field holds the payload; without one it is ignored.
    jsonp_payload = jsonp_post_payload(body);
    if (!jsonp_payload) {
      return server_.respond(
          exchange, http::text_response(exchange->request(), http::Status::ok, "ok", "text/html"));
    }
    body = *jsonp_payload;
    octet_stream = false;
  }
  auto packets = parse_post(body, octet_stream, binaries);
  if (!packets) {
    server_.respond(exchange, error_response(exchange->request(), ErrorCode::bad_request));
    return on_close("parse error", false);
  }
  server_.respond(exchange,
                  http::text_response(exchange->request(), http::Status::ok, "ok", "text/html"));
  for (const auto& packet : *packets) {
    if (state_ != State::open) break;
    if (!on_packet(packet)) return on_close("parse error", false);
  }
}

std::optional<std::vector<PacketView>> Socket::parse_post(
    std::string_view body, bool octet_stream, std::vector<std::string>& binaries) const {
  if (protocol_ == 4) return parse_payload(body, binaries);
  if (octet_stream) return parse_binary_payload_v3(body);
  return parse_payload_v3(body, binaries);
}

void Socket::schedule_flush() {
  auto& x = extra();
  if (x.flush_scheduled || !x.pending_poll) return;
  x.flush_scheduled = true;
  // Deferred to the end of this turn of the loop, so everything sent in it goes in one response.
  boost::asio::post(server_.io(), [self = shared_from_this()] {
    self->extra_->flush_scheduled = false;
    self->flush_polling();
  });
}

void Socket::flush_polling() {
  if (!has_pending_poll() || extra_->buffer.empty()) return;
  auto& buffer = extra_->buffer;
  std::string body;
  bool binary = false;
  if (protocol_ == 3) {
    binary = encode_payload_v3(buffer, supports_binary_, body);
  } else {
    encode_payload(buffer, body);
  }
  // As in the reference, a response may be compressed when any of its packets may be.
  bool compress =
      std::any_of(buffer.begin(), buffer.end(), [](const Frame& f) { return f.compress; });
  buffer.clear();
  extra_->buffered_bytes = 0;
  respond_poll(std::move(body), binary, compress);
}

void Socket::respond_poll(std::string body, bool binary, bool compress) {
  auto exchange = std::move(extra_->pending_poll);
  extra_->pending_poll.reset();
  server_.respond(exchange, poll_response(exchange->request(), std::move(body), binary, compress));
}

http::Response Socket::poll_response(const http::Request& request, std::string body, bool binary,
                                     bool compress) const {
  std::string_view content_type = "text/plain; charset=UTF-8";
  if (jsonp_) {
    body = jsonp_wrap(jsonp_index(handshake_.query.get("j").value_or("")), body);
    content_type = "text/javascript; charset=UTF-8";
  } else if (binary) {
    content_type = "application/octet-stream";
  }
  // httpCompression decides on the body as it goes out (a JSONP script included), once.
  const auto& http_compression = server_.options().http_compression;
  auto encoding = HttpEncoding::identity;
  if (compress && http_compression.enabled && body.size() >= http_compression.threshold) {
    auto accept = request.find(http::Field::accept_encoding);
    if (accept != request.end()) encoding = choose_http_encoding(accept->value());
  }
  if (encoding == HttpEncoding::identity)
    return http::text_response(request, http::Status::ok, std::move(body), content_type);
  auto response =
      http::text_response(request, http::Status::ok, http_compress(body, encoding), content_type);
  response.set(http::Field::content_encoding, encoding == HttpEncoding::gzip ? "gzip" : "deflate");
  return response;
}

void Socket::respond_poll_packet(std::string_view packet) {
  if (protocol_ == 4) return respond_poll(std::string(packet));
  std::string body;
  encode_text_packet_v3(packet, body);
  respond_poll(std::move(body));
}

Frame Socket::websocket_frame_v3(const Frame& frame) const {
  std::string bytes;
  if (supports_binary_) {
    bytes.reserve(frame.bytes->size() + 1);
    bytes += static_cast<char>(4);
    bytes += *frame.bytes;
    return {make_shared_bytes(std::move(bytes)), true, frame.compress};
  }
  bytes = "b4";
  base64::encode_append(*frame.bytes, bytes);
  return {make_shared_bytes(std::move(bytes)), false, frame.compress};
}

// WebSocket and upgrade -----------------------------------------------------------------------

bool Socket::can_upgrade() const {
  return state_ == State::open && !ws_ && !(extra_ && extra_->probe) &&
         server_.options().allow_upgrades;
}

void Socket::begin_upgrade(std::shared_ptr<WebSocketTransport> ws) {
  log::debug(log::Layer::engineio, "{}: upgrade to websocket begins", id_);
  auto& probe = extra().probe;
  probe = std::move(ws);
  probe->set_owner(this);
  probe->start_reading();
  upgrade_timer().expires_after(server_.options().upgrade_timeout);
  upgrade_timer().async_wait([self = shared_from_this()](net::error_code ec) {
    if (!ec) self->abort_upgrade();
  });
}

void Socket::on_ws_frame(WebSocketTransport& transport, std::string_view data, bool binary) {
  if (extra_ && &transport == extra_->probe.get()) return on_probe_frame(data, binary);
  if (&transport != ws_.get() || state_ != State::open) return;
  if (protocol_ == 3) return on_ws_frame_v3(data, binary);
  auto packet = binary ? std::optional<PacketView>(PacketView{PacketType::message, data, true})
                       : parse_text_packet(data);
  if (!packet || !on_packet(*packet)) on_close("parse error", false);
}

void Socket::on_ws_frame_v3(std::string_view data, bool binary) {
  // v3 leads a binary frame with its packet type byte, and base64 clients send "b4<base64>".
  std::optional<PacketView> packet;
  std::optional<std::string> decoded;
  if (binary) {
    if (!data.empty() && data.front() == static_cast<char>(4))
      packet = PacketView{PacketType::message, data.substr(1), true};
  } else if (data.starts_with("b4")) {
    decoded = base64::decode(data.substr(2));
    if (decoded) packet = PacketView{PacketType::message, *decoded, true};
  } else {
    packet = parse_text_packet(data);
  }
  if (!packet || !on_packet(*packet)) on_close("parse error", false);
}

void Socket::on_probe_frame(std::string_view data, bool binary) {
  auto& x = *extra_;
  if (!binary && data == "2probe" && !x.probed) {
    x.probed = true;
    x.probe->send(Frame::text("3probe"));
    if (x.pending_poll && x.buffer.empty()) respond_poll_packet("6");
    return;
  }
  if (!binary && data == "5" && x.probed) {
    cancel_upgrade_timer();
    x.probed = false;
    ws_ = std::move(x.probe);
    log::debug(log::Layer::engineio, "{}: upgraded to websocket", id_);
    if (x.pending_poll) respond_poll_packet("6");
    for (const auto& frame : x.buffer)
      ws_->send(protocol_ == 3 && frame.binary ? websocket_frame_v3(frame) : frame);
    x.buffer.clear();
    x.buffered_bytes = 0;
    return;
  }
  abort_upgrade();  // anything else means the probe failed; the session stays on polling
}

void Socket::abort_upgrade() {
  if (!extra_) return;
  cancel_upgrade_timer();
  extra_->probed = false;
  if (auto probe = std::move(extra_->probe)) {
    log::debug(log::Layer::engineio, "{}: upgrade abandoned, staying on polling", id_);
    probe->set_owner(nullptr);
    probe->abort();
  }
}

void Socket::on_ws_closed(WebSocketTransport& transport, net::error_code ec) {
  if (extra_ && &transport == extra_->probe.get()) {
    extra_->probe.reset();
    extra_->probed = false;
    cancel_upgrade_timer();
    return;
  }
  if (&transport != ws_.get()) return;
  // As in the reference: the peer breaking the WebSocket protocol is a transport error; the
  // connection ending, with or without a close handshake, is a transport close.
  const net::error_code closed = boost::beast::websocket::error::closed;
  bool protocol_error = ec.category() == closed.category() && ec != closed;
  on_close(protocol_error ? "transport error" : "transport close", false, ec.message());
}

// Packets, heartbeat, close -------------------------------------------------------------------

bool Socket::on_packet(const PacketView& packet) {
  log::debug(log::Layer::engineio, "{}: received {} packet ({} bytes{})", id_,
             packet_type_name(packet.type), packet.data.size(), packet.binary ? ", binary" : "");
  switch (packet.type) {
    case PacketType::pong:
      if (protocol_ == 3) return false;  // v3 heartbeats go the other way
      schedule_ping();
      return true;
    case PacketType::ping: {
      if (protocol_ == 3) schedule_ping();  // the client is alive: restart its timeout
      std::string pong = "3";
      pong += packet.data;
      send(Frame::text(pong));
      return true;
    }
    case PacketType::message:
      if (listener_) listener_->on_message(packet.data, packet.binary);
      return true;
    case PacketType::close:
      on_close("transport close", false, "close packet");
      return true;
    case PacketType::noop:
    case PacketType::upgrade:
      return true;
    case PacketType::open:
      return false;
  }
  return false;
}

void Socket::schedule_ping() {
  const auto& options = server_.options();
  awaiting_pong_ = false;
  // In v3 the client pings; the session ends when no ping came for pingInterval + pingTimeout.
  const auto delay =
      protocol_ == 3 ? options.ping_interval + options.ping_timeout : options.ping_interval;
  server_.heartbeats_.schedule_after(*this, delay);
}

void Socket::on_deadline() {
  if (state_ != State::open) return;
  auto self = shared_from_this();  // a failed ping may close the session and drop it
  if (protocol_ == 3 || awaiting_pong_) return on_close("ping timeout", false);
  send(ping_frame());
  if (state_ != State::open) return;
  awaiting_pong_ = true;
  // Measured from when the ping was due, not from when this ran.
  const auto timeout = server_.options().ping_timeout;
  server_.heartbeats_.schedule_at(*this, timeout, deadline() + timeout);
}

void Socket::on_close(std::string_view reason, bool flush, std::string_view description) {
  if (state_ != State::open) return;
  auto self = shared_from_this();
  state_ = State::closing;
  if (!description.empty()) extra().close_description = description;
  if (description.empty())
    log::debug(log::Layer::engineio, "{}: closed ({})", id_, reason);
  else
    log::debug(log::Layer::engineio, "{}: closed ({}: {})", id_, reason, description);
  net::DeadlineQueue::Entry::cancel();
  abort_upgrade();
  if (auto* listener = std::exchange(listener_, nullptr)) listener->on_close(reason);
  if (!flush) return finish_close();
  if (ws_) {
    ws_->close();  // after what is queued
    return finish_close();
  }
  // Long-polling: what is still queued goes out with the current or next GET, and the close packet
  // with the one after, so the client handles those packets before it sees the close.
  if (has_pending_poll()) poll_while_closing();
  if (state_ == State::closed) return;
  upgrade_timer().expires_after(server_.options().polling_close_timeout);
  upgrade_timer().async_wait([self](net::error_code ec) {
    if (!ec) self->finish_close();
  });
}

void Socket::poll_while_closing() {
  if (!polling_buffer_empty()) return flush_polling();
  respond_poll_packet("1");
  finish_close();
}

void Socket::finish_close() {
  if (state_ == State::closed) return;
  auto self = shared_from_this();
  state_ = State::closed;
  net::DeadlineQueue::Entry::cancel();
  cancel_upgrade_timer();
  if (extra_) {
    extra_->buffer.clear();
    extra_->buffered_bytes = 0;
  }
  if (has_pending_poll()) respond_poll_packet("6");
  if (ws_) {
    ws_->set_owner(nullptr);
    if (!ws_->is_closing()) ws_->abort();
  }
  server_.remove(id_);
}

}  // namespace soket::engineio
