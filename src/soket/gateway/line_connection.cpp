#include "soket/gateway/line_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "soket/util/log.hpp"

namespace soket::gateway {

namespace asio = net::asio;
using net::error_code;

KeepAliveOptions KeepAliveOptions::within(std::chrono::seconds bound) {
  KeepAliveOptions o;
  if (bound.count() <= 0) {
    o.enabled = false;
    return o;
  }
  bound = std::max(bound, std::chrono::seconds(4));
  o.probes = 3;
  o.interval = std::max(std::chrono::seconds(1), bound / 5);
  o.idle = bound - o.interval * o.probes;
  o.user_timeout = bound;
  return o;
}

namespace {
// A TLS client has this long to finish its handshake.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr std::string_view kPlainOnTlsPort = "ERR this port speaks TLS\n";
}  // namespace

std::string_view to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::peer_closed:
      return "closed by peer";
    case CloseReason::idle_timeout:
      return "idle timeout";
    case CloseReason::write_overflow:
      return "write queue overflow";
    case CloseReason::closed:
      return "closed";
    case CloseReason::server_stopped:
      return "server stopped";
    case CloseReason::io_error:
      return "network error";
  }
  return "unknown";
}

LineConnection::LineConnection(net::TcpSocket socket, uint64_t id, const LineOptions& options,
                               std::shared_ptr<net::ssl::context> tls)
    : socket_(std::move(socket)),
      tls_context_(std::move(tls)),
      id_(id),
      options_(options),
      framer_(options.max_line_length),
      line_rate_(options.lines_per_second, options.line_burst),
      gap_timer_(socket_.get_executor()),
      idle_timer_(socket_.get_executor()),
      linger_timer_(socket_.get_executor()) {
  error_code ec;
  remote_ = socket_.remote_endpoint(ec);
  if (tls_context_)
    tls_ = std::make_unique<net::ssl::stream<net::TcpSocket&>>(socket_, *tls_context_);
}

std::string LineConnection::remote_string() const {
  const auto address = remote_.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(remote_.port());
}

void LineConnection::start(Owner* owner) {
  owner_ = owner;
  apply_keep_alive();
  last_receive_ = std::chrono::steady_clock::now();
  arm_idle_timer();
  if (!tls_) {
    become_ready();
    if (state_ != State::ended) read_next();
    return;
  }
  // The handshake must end in time; the gap timer is free until lines arrive.
  gap_timer_.expires_after(kHandshakeTimeout);
  gap_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->ready_ || self->state_ == State::ended) return;
    spdlog::debug("connection {} from {}: TLS handshake timed out", self->id_,
                  self->remote_string());
    self->finish(CloseReason::io_error);
  });
  read_client_hello();
}

void LineConnection::become_ready() {
  ready_ = true;
  if (owner_ != nullptr) owner_->on_ready(*this);
}

// TLS: the first bytes are read as they are, so that a device speaking plain text to this port can
// be told so; a ClientHello goes on into the handshake.
void LineConnection::read_client_hello() {
  socket_.async_read_some(
      asio::buffer(read_buffer_),
      [self = shared_from_this()](error_code ec, std::size_t n) { self->on_client_hello(ec, n); });
}

void LineConnection::on_client_hello(error_code ec, std::size_t n) {
  if (state_ == State::ended) return;
  if (ec) return finish(ec == asio::error::eof ? CloseReason::peer_closed : CloseReason::io_error);
  if (static_cast<unsigned char>(read_buffer_[0]) != net::kTlsHandshakeRecord)
    return refuse_plain_text();
  tls_->async_handshake(net::ssl::stream_base::server, asio::buffer(read_buffer_.data(), n),
                        [self = shared_from_this()](error_code ec, std::size_t) {
                          if (self->state_ == State::ended) return;
                          if (ec) {
                            spdlog::debug("connection {} from {}: TLS handshake failed: {}",
                                          self->id_, self->remote_string(), ec.message());
                            return self->finish(CloseReason::io_error);
                          }
                          self->gap_timer_.cancel();
                          self->become_ready();
                          if (self->state_ != State::ended) self->read_next();
                        });
}

void LineConnection::refuse_plain_text() {
  spdlog::debug("connection {} from {}: plain text on the TLS port", id_, remote_string());
  // Said in the clear, then closed the way close() does (FIN, read until the peer closes).
  asio::async_write(socket_, asio::buffer(kPlainOnTlsPort),
                    [self = shared_from_this()](error_code, std::size_t) {
                      if (self->state_ == State::ended) return;
                      self->state_ = State::closing;
                      self->close_reason_ = CloseReason::closed;
                      self->arm_linger_timer(self->options_.close_linger, false);
                      self->finish_close_if_drained();
                      self->read_next();
                    });
}

void LineConnection::apply_keep_alive() {
  const auto& ka = options_.keep_alive;
  error_code ec;
  socket_.set_option(asio::socket_base::keep_alive(ka.enabled), ec);
  if (!ka.enabled || ec) return;
#if defined(TCP_KEEPIDLE) && defined(TCP_KEEPINTVL) && defined(TCP_KEEPCNT)
  int fd = socket_.native_handle();
  int idle = static_cast<int>(ka.idle.count());
  int interval = static_cast<int>(ka.interval.count());
  int probes = ka.probes;
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
#if defined(TCP_USER_TIMEOUT)
  // Keep-alive is not probed while written data waits for an ACK; this bounds that case the same.
  auto user_timeout = ka.user_timeout.count() > 0
                          ? ka.user_timeout
                          : std::chrono::duration_cast<std::chrono::milliseconds>(ka.bound());
  unsigned int user_timeout_ms = static_cast<unsigned int>(user_timeout.count());
  ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms);
#endif
#endif
}

void LineConnection::read_next() {
  auto on_read = [self = shared_from_this()](error_code ec, std::size_t n) {
    self->on_read(ec, n);
  };
  // Before its handshake (a refused plain-text peer) a TLS connection reads the bare socket.
  if (tls_ && ready_) {
    tls_->async_read_some(asio::buffer(read_buffer_), std::move(on_read));
  } else {
    socket_.async_read_some(asio::buffer(read_buffer_), std::move(on_read));
  }
}

void LineConnection::on_read(error_code ec, std::size_t n) {
  if (state_ == State::ended) return;
  // A TLS peer that hangs up without close_notify (most devices do) has closed all the same.
  if (ec == asio::error::eof || ec == net::ssl::error::stream_truncated) {
    peer_eof_ = true;
    if (state_ == State::closing) {
      finish_close_if_drained();
      return;
    }
    ++gap_generation_;
    framer_.flush([this](std::string_view text, LineEnd end) { return deliver(text, end); });
    if (state_ != State::open) return;
    if (options_.eof_grace.count() > 0) {
      arm_linger_timer(options_.eof_grace, true);
    } else {
      begin_close(CloseReason::peer_closed);
    }
    return;
  }
  if (ec) {
    spdlog::debug("connection {} from {}: read failed: {}", id_, remote_string(), ec.message());
    finish(CloseReason::io_error);
    return;
  }
  last_receive_ = std::chrono::steady_clock::now();
  if (state_ == State::open) feed(std::string_view(read_buffer_.data(), n));
  if (state_ != State::ended) read_next();
}

void LineConnection::feed(std::string_view data) {
  framer_.feed(
      data, [this](std::string_view text, LineEnd end) { return deliver(text, end); },
      [this] {
        if (state_ != State::open) return false;
        if (owner_ != nullptr) owner_->on_line_too_long(*this);
        return state_ == State::open;
      });
  if (state_ == State::open) arm_gap_timer();
}

bool LineConnection::deliver(std::string_view text, LineEnd end) {
  if (state_ != State::open) return false;
  if (line_rate_.enabled() && !line_rate_.take(std::chrono::steady_clock::now())) {
    if (owner_ != nullptr) owner_->on_line_over_rate(*this);
    return state_ == State::open;
  }
  if (owner_ != nullptr) owner_->on_line(*this, text, end);
  return state_ == State::open;
}

void LineConnection::arm_gap_timer() {
  uint64_t generation = ++gap_generation_;
  if (!framer_.pending()) {
    gap_timer_.cancel();
    return;
  }
  gap_timer_.expires_after(options_.idle_gap);
  gap_timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
    if (ec || generation != self->gap_generation_ || self->state_ != State::open) return;
    self->framer_.flush(
        [&](std::string_view text, LineEnd end) { return self->deliver(text, end); });
  });
}

std::chrono::steady_clock::time_point LineConnection::last_heard() const {
  auto heard = last_receive_;
#if defined(TCP_INFO)
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(const_cast<net::TcpSocket&>(socket_).native_handle(), IPPROTO_TCP, TCP_INFO,
                   &info, &length) == 0 &&
      length >= offsetof(tcp_info, tcpi_last_ack_recv) + sizeof info.tcpi_last_ack_recv) {
    auto ack =
        std::chrono::steady_clock::now() - std::chrono::milliseconds(info.tcpi_last_ack_recv);
    heard = std::max(heard, ack);
  }
#endif
  return heard;
}

void LineConnection::arm_idle_timer() {
  if (options_.idle_timeout.count() <= 0) return;
  idle_timer_.expires_at(last_heard() + options_.idle_timeout);
  idle_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->state_ == State::ended) return;
    auto quiet = std::chrono::steady_clock::now() - self->last_heard();
    if (quiet >= self->options_.idle_timeout) {
      spdlog::warn(
          "connection {} from {}: closed after {} s without a byte or a TCP acknowledgement from "
          "it (idle timeout {} s)",
          self->id_, self->remote_string(),
          std::chrono::duration_cast<std::chrono::seconds>(quiet).count(),
          std::chrono::duration_cast<std::chrono::seconds>(self->options_.idle_timeout).count());
      self->abort(CloseReason::idle_timeout);
      return;
    }
    self->arm_idle_timer();
  });
}

void LineConnection::arm_linger_timer(std::chrono::milliseconds delay, bool then_close) {
  uint64_t generation = ++linger_generation_;
  linger_timer_.expires_after(delay);
  linger_timer_.async_wait([self = shared_from_this(), generation, then_close](error_code ec) {
    if (ec || generation != self->linger_generation_ || self->state_ == State::ended) return;
    if (then_close) {
      self->begin_close(CloseReason::peer_closed);
    } else {
      self->finish(self->close_reason_);
    }
  });
}

bool LineConnection::send_line(std::string_view text) {
  if (text.find_first_of("\r\n") != std::string_view::npos) return false;
  return queue(text, "\n");
}

bool LineConnection::send_bytes(SharedBytes bytes) {
  if (!bytes) return false;
  return queue(*bytes, {});
}

bool LineConnection::queue(std::string_view a, std::string_view b) {
  if (state_ != State::open) return false;
  std::size_t size = a.size() + b.size();
  if (size == 0) return true;
  if (out_.size() + writing_.size() + size > options_.max_write_queue_bytes) {
    spdlog::info("connection {} from {}: dropped, write queue over {} bytes", id_, remote_string(),
                 options_.max_write_queue_bytes);
    abort(CloseReason::write_overflow);
    return false;
  }
  out_.append(a);
  out_.append(b);
  if (!writing_now_ && !flush_posted_) {
    flush_posted_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->flush_posted_ = false;
      self->write_next();
    });
  }
  return true;
}

void LineConnection::write_next() {
  if (writing_now_ || state_ == State::ended) return;
  if (out_.empty()) {
    finish_close_if_drained();
    return;
  }
  writing_now_ = true;
  std::swap(out_, writing_);
  auto on_written = [self = shared_from_this()](error_code ec, std::size_t) {
    if (self->state_ == State::ended) return;
    if (ec) {
      spdlog::debug("connection {} from {}: write failed: {}", self->id_, self->remote_string(),
                    ec.message());
      self->finish(CloseReason::io_error);
      return;
    }
    self->writing_now_ = false;
    // Keep the buffer for the next write unless a burst made it large.
    if (self->writing_.capacity() > 64 * 1024) {
      std::string().swap(self->writing_);
    } else {
      self->writing_.clear();
    }
    self->write_next();
  };
  if (tls_) {
    asio::async_write(*tls_, asio::buffer(writing_), std::move(on_written));
  } else {
    asio::async_write(socket_, asio::buffer(writing_), std::move(on_written));
  }
}

void LineConnection::close() {
  begin_close(CloseReason::closed);
}

void LineConnection::begin_close(CloseReason reason) {
  if (state_ != State::open) return;
  state_ = State::closing;
  close_reason_ = reason;
  ++gap_generation_;
  gap_timer_.cancel();
  arm_linger_timer(options_.close_linger, false);
  finish_close_if_drained();
}

void LineConnection::finish_close_if_drained() {
  if (state_ != State::closing || writing_now_ || !out_.empty()) return;
  if (peer_eof_) {
    finish(close_reason_);
    return;
  }
  // Closing with unread input would send a reset that can destroy our last bytes in flight; send
  // FIN and keep reading (discarding) until the peer closes or the linger timer ends it.
  error_code ignored;
  socket_.shutdown(net::tcp::socket::shutdown_send, ignored);
}

void LineConnection::abort(CloseReason reason) {
  finish(reason);
}

void LineConnection::finish(CloseReason reason) {
  if (state_ == State::ended) return;
  state_ = State::ended;
  ++gap_generation_;
  ++linger_generation_;
  error_code ignored;
  gap_timer_.cancel();
  idle_timer_.cancel();
  linger_timer_.cancel();
  // The buffers are kept until the object dies: a cancelled write may still use them.
  socket_.close(ignored);
  Owner* owner = owner_;
  owner_ = nullptr;
  if (owner != nullptr) owner->on_closed(*this, reason);
}

}  // namespace soket::gateway
