#include "soket/simulator/udp_device.hpp"

#include <spdlog/spdlog.h>

#include "soket/simulator/server_line.hpp"

namespace soket::simulator {

namespace asio = net::asio;
using net::error_code;
using std::chrono::milliseconds;

UdpDevice::UdpDevice(asio::io_context& io, DevicePlan plan, std::shared_ptr<DeviceContext> context,
                     net::udp::endpoint server)
    : strand_(asio::make_strand(io)),
      socket_(strand_),
      tick_timer_(strand_),
      reply_timer_(strand_),
      plan_(std::move(plan)),
      context_(std::move(context)),
      server_(server),
      model_(make_model(plan_.kind, plan_.seed)),
      random_(derive_seed(plan_.seed, 1)),
      backoff_(context_->options.backoff_initial, context_->options.backoff_max,
               derive_seed(plan_.seed, 2)) {}

void UdpDevice::start() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->started_ || self->stopped_) return;
    self->started_ = true;
    auto interval = self->context_->options.interval;
    self->schedule_send(milliseconds(
        static_cast<long long>(self->random_.uniform() * static_cast<double>(interval.count()))));
  });
}

void UdpDevice::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    ++self->tick_seq_;
    ++self->reply_seq_;
    self->tick_timer_.cancel();
    self->reply_timer_.cancel();
    error_code ignored;
    self->socket_.close(ignored);
  });
}

bool UdpDevice::open_socket() {
  error_code ec;
  socket_.open(server_.protocol(), ec);
  // connect(): the kernel passes on datagrams from the server only.
  if (!ec) socket_.connect(server_, ec);
  if (ec) {
    spdlog::warn("simulator {}: cannot open UDP socket: {}", plan_.id, ec.message());
    error_code ignored;
    socket_.close(ignored);
    return false;
  }
  return true;
}

void UdpDevice::receive_next() {
  receiving_ = true;
  socket_.async_receive(asio::buffer(receive_buffer_),
                        [self = shared_from_this()](error_code ec, std::size_t n) {
                          self->receiving_ = false;
                          if (self->stopped_ || ec == asio::error::operation_aborted) return;
                          // Other errors (an ICMP "port unreachable" for an earlier datagram):
                          // receiving resumes with the next send, so a lasting error cannot spin.
                          if (ec) return;
                          self->on_datagram(std::string_view(self->receive_buffer_.data(), n));
                          if (!self->stopped_ && !self->receiving_) self->receive_next();
                        });
}

void UdpDevice::on_datagram(std::string_view text) {
  auto kind = classify_server_line(text);
  if (kind != ServerLine::ok && kind != ServerLine::err) {
    spdlog::debug("simulator {}: ignored datagram '{}'", plan_.id, trim_line(text));
    return;
  }
  if (awaiting_ == Awaiting::nothing) return;
  bool ok = kind == ServerLine::ok;
  Awaiting was = awaiting_;
  awaiting_ = Awaiting::nothing;
  ++reply_seq_;
  reply_timer_.cancel();
  (ok ? context_->counters.replies_ok : context_->counters.replies_err)++;
  if (was == Awaiting::hello) {
    if (!ok) {
      context_->counters.hellos_refused++;
      // Warn once per run of refusals; the retries that follow are only worth a debug line.
      auto level = refusal_logged_ ? spdlog::level::debug : spdlog::level::warn;
      refusal_logged_ = true;
      spdlog::log(level, "simulator {}: HELLO refused: {}", plan_.id, trim_line(text));
      schedule_send(backoff_.next());
      return;
    }
    named_ = true;
    backoff_.reset();
    refusal_logged_ = false;
    send_next();  // the first reading right away
    return;
  }
  schedule_send(jittered_interval());
}

void UdpDevice::schedule_send(milliseconds delay) {
  tick_timer_.expires_after(delay);
  tick_timer_.async_wait([self = shared_from_this(), seq = ++tick_seq_](error_code ec) {
    if (ec || seq != self->tick_seq_ || self->stopped_) return;
    self->send_next();
  });
}

void UdpDevice::send_next() {
  if (stopped_) return;
  if (!socket_.is_open() && !open_socket()) {
    schedule_send(backoff_.next());
    return;
  }
  if (!receiving_) receive_next();
  const auto& options = context_->options;
  if (sending_) {  // the previous datagram is still on its way: skip this turn
    schedule_send(jittered_interval());
    return;
  }
  bool hello = !named_ || (!options.udp_wait_ok && since_hello_ >= options.udp_hello_every);
  if (hello) {
    context_->counters.hellos_sent++;
    send_datagram(hello_line(plan_, options.token));
    since_hello_ = 0;
  } else {
    context_->counters.readings_sent++;
    send_datagram(model_->reading(context_->sim_hours_now()));
  }
  ++since_hello_;
  if (!options.udp_wait_ok) {
    named_ = true;
    schedule_send(jittered_interval());
    return;
  }
  awaiting_ = hello ? Awaiting::hello : Awaiting::reading;
  reply_timer_.expires_after(options.reply_timeout);
  reply_timer_.async_wait([self = shared_from_this(), seq = ++reply_seq_](error_code ec) {
    if (ec || seq != self->reply_seq_ || self->stopped_) return;
    self->on_reply_timeout();
  });
}

void UdpDevice::send_datagram(std::string text) {
  sending_ = true;
  auto data = std::make_shared<std::string>(std::move(text));
  socket_.async_send(
      asio::buffer(*data), [self = shared_from_this(), data](error_code ec, std::size_t) {
        self->sending_ = false;
        if (ec && ec != asio::error::operation_aborted) {
          self->context_->counters.udp_send_errors++;
          spdlog::debug("simulator {}: UDP send failed: {}", self->plan_.id, ec.message());
        }
      });
}

void UdpDevice::on_reply_timeout() {
  if (awaiting_ == Awaiting::nothing) return;
  awaiting_ = Awaiting::nothing;
  context_->counters.reply_timeouts++;
  named_ = false;  // the server may have restarted: say HELLO again
  schedule_send(backoff_.next());
}

milliseconds UdpDevice::jittered_interval() {
  auto base = static_cast<double>(context_->options.interval.count());
  return milliseconds(static_cast<long long>(base * random_.uniform(0.9, 1.1)));
}

}  // namespace soket::simulator
