#include "soket/gateway/udp_receiver.hpp"

#include <chrono>
#include <string>
#include <vector>

#include "soket/gateway/text_check.hpp"
#include "soket/gateway/udp_sender_limiter.hpp"
#include "soket/util/bytes.hpp"
#include "soket/util/log.hpp"
#include "soket/util/log_throttle.hpp"

namespace soket::gateway {

namespace asio = net::asio;
using net::error_code;
using net::udp;

// Shared with pending operations and with reply functions the owner may keep.
class UdpReceiver::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, UdpReceiverOptions options, Handlers handlers)
      : socket_(io),
        retry_timer_(io),
        options_(options),
        handlers_(std::move(handlers)),
        sender_rate_(options.lines_per_second, options.line_burst,
                     options.max_rate_limited_senders) {}

  void bind(const udp::endpoint& endpoint) {
    socket_.open(endpoint.protocol());
    socket_.bind(endpoint);
  }

  void start() {
    stopped_ = false;
    receive_next();
  }

  void stop() {
    stopped_ = true;
    error_code ignored;
    socket_.close(ignored);
    retry_timer_.cancel();
  }

  void forget_handlers() { handlers_ = {}; }

  bool send(const udp::endpoint& to, std::string_view line) { return send_line(to, line); }

  udp::endpoint local_endpoint() const { return socket_.local_endpoint(); }
  const Stats& stats() const { return stats_; }

 private:
  void receive_next() {
    if (stopped_) return;
    socket_.async_receive_from(
        asio::buffer(buffer_), sender_,
        [self = shared_from_this()](error_code ec, std::size_t n) { self->on_receive(ec, n); });
  }

  void on_receive(error_code ec, std::size_t n) {
    if (stopped_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      handle(std::string_view(buffer_.data(), n));
      receive_next();
      return;
    }
    // Errors such as an ICMP "port unreachable" for an earlier reply concern one peer only; wait a
    // moment before the next receive so that a persistent error cannot spin the loop.
    spdlog::debug("udp receive failed: {}", ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(10));
    retry_timer_.async_wait([self = shared_from_this()](error_code wait_ec) {
      if (!wait_ec) self->receive_next();
    });
  }

  void handle(std::string_view text) {
    if (sender_rate_.enabled() && !within_rate()) return;
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.size() > options_.max_message_length) {
      refuse("datagram too long");
      return;
    }
    if (trim_blanks(text).empty()) return;
    auto parsed = parse_device_message(text);
    if (!parsed.ok()) {
      refuse(parsed.error);
      return;
    }
    ++stats_.datagrams;
    if (!handlers_.on_datagram) return;
    std::weak_ptr<Impl> weak = shared_from_this();
    udp::endpoint sender = sender_;
    UdpReplyFn reply = [weak, sender](std::string_view line) {
      auto self = weak.lock();
      return self && self->send_line(sender, line);
    };
    handlers_.on_datagram(sender, parsed.message, reply);
  }

  // Every datagram counts, as every line of a TCP connection does (blank and malformed ones too).
  bool within_rate() {
    auto verdict = sender_rate_.check(sender_);
    if (verdict == UdpSenderLimiter::Verdict::allowed) return true;
    ++stats_.over_rate;
    ++stats_.errors;
    if (uint64_t count = rate_log_.ready()) {
      spdlog::warn(
          "devices: dropped {} datagram(s) since the last such line, over the limit of {} a "
          "second per UDP sender (the last from {}:{})",
          count, options_.lines_per_second, sender_.address().to_string(), sender_.port());
    }
    if (verdict == UdpSenderLimiter::Verdict::drop_and_tell) send_line(sender_, "ERR rate limit");
    if (handlers_.on_error) handlers_.on_error(sender_, "rate limit");
    return false;
  }

  void refuse(std::string_view reason) {
    ++stats_.errors;
    send_line(sender_, "ERR " + std::string(reason));
    if (handlers_.on_error) handlers_.on_error(sender_, reason);
  }

  bool send_line(const udp::endpoint& to, std::string_view line) {
    if (!options_.replies || stopped_) return false;
    if (line.find_first_of("\r\n") != std::string_view::npos) return false;
    if (pending_ >= options_.max_pending_replies) {
      ++stats_.replies_dropped;
      return false;
    }
    auto bytes = make_shared_bytes(std::string(line) + "\n");
    ++pending_;
    socket_.async_send_to(asio::buffer(*bytes), to,
                          [self = shared_from_this(), bytes](error_code ec, std::size_t) {
                            --self->pending_;
                            if (ec) {
                              ++self->stats_.replies_dropped;
                            } else {
                              ++self->stats_.replies_sent;
                            }
                          });
    return true;
  }

  udp::socket socket_;
  asio::steady_timer retry_timer_;
  UdpReceiverOptions options_;
  Handlers handlers_;
  bool stopped_ = true;
  // Large enough for any UDP payload, so a datagram is never silently truncated.
  std::vector<char> buffer_ = std::vector<char>(65536);
  udp::endpoint sender_;
  std::size_t pending_ = 0;
  Stats stats_;
  UdpSenderLimiter sender_rate_;
  LogThrottle rate_log_;
};

UdpReceiver::UdpReceiver(asio::io_context& io, UdpReceiverOptions options, Handlers handlers)
    : impl_(std::make_shared<Impl>(io, options, std::move(handlers))) {}

UdpReceiver::~UdpReceiver() {
  impl_->stop();
  impl_->forget_handlers();
}

void UdpReceiver::bind(const udp::endpoint& endpoint) {
  impl_->bind(endpoint);
}

void UdpReceiver::start() {
  impl_->start();
}

void UdpReceiver::stop() {
  impl_->stop();
}

udp::endpoint UdpReceiver::local_endpoint() const {
  return impl_->local_endpoint();
}

UdpReceiver::Stats UdpReceiver::stats() const {
  return impl_->stats();
}

bool UdpReceiver::send_line(const udp::endpoint& to, std::string_view line) {
  return impl_->send(to, line);
}

}  // namespace soket::gateway
