#include "soket/simulator/tcp_device.hpp"

#include <spdlog/spdlog.h>

#include "soket/simulator/server_line.hpp"

namespace soket::simulator {

namespace asio = net::asio;
using net::error_code;
using std::chrono::milliseconds;

namespace {

// Longest line accepted from the server; a longer one means the peer is not a soket server.
constexpr std::size_t kMaxServerLine = 4096;
// Lines waiting to be written; a server that does not read gets dropped.
constexpr std::size_t kMaxQueuedLines = 64;

}  // namespace

TcpDevice::TcpDevice(asio::io_context& io, DevicePlan plan, std::shared_ptr<DeviceContext> context,
                     net::tcp::endpoint server)
    : strand_(asio::make_strand(io)),
      tick_timer_(strand_),
      reply_timer_(strand_),
      plan_(std::move(plan)),
      context_(std::move(context)),
      server_(server),
      model_(make_model(plan_.kind, plan_.seed)),
      random_(derive_seed(plan_.seed, 1)),
      backoff_(context_->options.backoff_initial, context_->options.backoff_max,
               derive_seed(plan_.seed, 2)) {}

void TcpDevice::start() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->state_ != State::idle) return;
    auto interval = self->context_->options.interval;
    self->schedule_connect(milliseconds(
        static_cast<long long>(self->random_.uniform() * static_cast<double>(interval.count()))));
  });
}

void TcpDevice::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->state_ == State::running) self->context_->counters.online--;
    self->state_ = State::stopped;
    if (self->link_) {
      error_code ignored;
      self->link_->socket.close(ignored);
      self->link_.reset();
    }
    ++self->tick_seq_;
    ++self->reply_seq_;
    self->tick_timer_.cancel();
    self->reply_timer_.cancel();
  });
}

void TcpDevice::schedule_connect(milliseconds delay) {
  state_ = State::waiting;
  tick_timer_.expires_after(delay);
  tick_timer_.async_wait([self = shared_from_this(), seq = ++tick_seq_](error_code ec) {
    if (ec || seq != self->tick_seq_ || self->state_ != State::waiting) return;
    self->connect();
  });
}

void TcpDevice::connect() {
  state_ = State::connecting;
  auto link = std::make_shared<Link>(strand_);
  link_ = link;
  reply_timer_.expires_after(context_->options.connect_timeout);
  reply_timer_.async_wait([self = shared_from_this(), link, seq = ++reply_seq_](error_code ec) {
    if (ec || seq != self->reply_seq_ || link != self->link_) return;
    error_code ignored;
    link->socket.close(ignored);  // the connect handler sees operation_aborted
  });
  link->socket.async_connect(server_, [self = shared_from_this(), link](error_code ec) {
    if (link != self->link_ || self->state_ != State::connecting) return;
    ++self->reply_seq_;
    self->reply_timer_.cancel();
    if (ec) {
      self->context_->counters.connect_failures++;
      self->link_.reset();
      auto delay = self->backoff_.next();
      spdlog::debug("simulator {}: connect failed ({}), retry in {} ms", self->plan_.id,
                    ec.message(), delay.count());
      self->schedule_connect(delay);
      return;
    }
    self->on_connected();
  });
}

void TcpDevice::on_connected() {
  context_->counters.connects++;
  state_ = State::greeting;
  error_code ignored;
  link_->socket.set_option(net::tcp::no_delay(true), ignored);
  read_next(link_);
  missed_replies_ = 0;
  context_->counters.hellos_sent++;
  send_line(hello_line(plan_, context_->options.token));
  awaiting_reply_ = true;
  arm_reply_timer(context_->options.reply_timeout);
}

void TcpDevice::read_next(const LinkPtr& link) {
  asio::async_read_until(
      link->socket, asio::dynamic_buffer(link->read_buffer, kMaxServerLine), '\n',
      [self = shared_from_this(), link](error_code ec, std::size_t n) {
        if (link != self->link_) return;
        if (ec) {
          self->drop(ec == asio::error::not_found ? "line too long" : ec.message());
          return;
        }
        std::string line = link->read_buffer.substr(0, n - 1);
        link->read_buffer.erase(0, n);
        self->on_line(line);
        if (link == self->link_) self->read_next(link);
      });
}

void TcpDevice::on_line(std::string_view line) {
  switch (classify_server_line(line)) {
    case ServerLine::blank:
      return;
    case ServerLine::ok:
      return on_reply(true, line);
    case ServerLine::err:
      return on_reply(false, line);
    case ServerLine::command:
      return on_command(line);
  }
}

void TcpDevice::on_reply(bool ok, std::string_view line) {
  if (!awaiting_reply_) {
    spdlog::debug("simulator {}: unexpected reply '{}'", plan_.id, trim_line(line));
    return;
  }
  awaiting_reply_ = false;
  missed_replies_ = 0;
  ++reply_seq_;
  reply_timer_.cancel();
  (ok ? context_->counters.replies_ok : context_->counters.replies_err)++;
  if (state_ == State::greeting) {
    if (!ok) {
      context_->counters.hellos_refused++;
      // Warn once per run of refusals; the retries that follow are only worth a debug line.
      auto level = refusal_logged_ ? spdlog::level::debug : spdlog::level::warn;
      refusal_logged_ = true;
      spdlog::log(level, "simulator {}: HELLO refused: {}", plan_.id, trim_line(line));
      drop("HELLO refused");
      return;
    }
    state_ = State::running;
    context_->counters.online++;
    backoff_.reset();
    refusal_logged_ = false;
    send_reading();  // the first values right away
    return;
  }
  if (!ok) spdlog::debug("simulator {}: reading refused: {}", plan_.id, trim_line(line));
  if (report_pending_) {
    send_reading();
  } else {
    schedule_reading(jittered_interval());
  }
}

void TcpDevice::on_command(std::string_view line) {
  context_->counters.commands++;
  CommandOutcome outcome = model_->command(line);
  if (!outcome.known) context_->counters.commands_unknown++;
  spdlog::debug("simulator {}: command '{}' -> {}", plan_.id, trim_line(line), outcome.reply);
  if (context_->options.reply_to_commands) send_line(outcome.reply);
  if (!outcome.state_changed || !link_) return;
  if (state_ == State::running && !awaiting_reply_) {
    send_reading();
  } else {
    report_pending_ = true;
  }
}

void TcpDevice::send_line(std::string line) {
  if (!link_) return;
  if (link_->write_queue.size() >= kMaxQueuedLines) {
    drop("server does not read");
    return;
  }
  line += '\n';
  link_->write_queue.push_back(std::move(line));
  if (!link_->writing) write_next(link_);
}

void TcpDevice::write_next(const LinkPtr& link) {
  link->writing = true;
  asio::async_write(link->socket, asio::buffer(link->write_queue.front()),
                    [self = shared_from_this(), link](error_code ec, std::size_t) {
                      link->writing = false;
                      if (link != self->link_) return;
                      if (ec) {
                        self->drop(ec.message());
                        return;
                      }
                      link->write_queue.pop_front();
                      if (!link->write_queue.empty()) self->write_next(link);
                    });
}

void TcpDevice::send_reading() {
  report_pending_ = false;
  ++tick_seq_;  // a reading scheduled earlier is superseded
  tick_timer_.cancel();
  context_->counters.readings_sent++;
  send_line(model_->reading(context_->sim_hours_now()));
  if (!link_) return;
  awaiting_reply_ = true;
  arm_reply_timer(context_->options.reply_timeout);
}

void TcpDevice::schedule_reading(milliseconds delay) {
  tick_timer_.expires_after(delay);
  tick_timer_.async_wait([self = shared_from_this(), seq = ++tick_seq_](error_code ec) {
    if (ec || seq != self->tick_seq_ || self->state_ != State::running || self->awaiting_reply_) {
      return;
    }
    self->send_reading();
  });
}

void TcpDevice::arm_reply_timer(milliseconds timeout) {
  reply_timer_.expires_after(timeout);
  reply_timer_.async_wait([self = shared_from_this(), seq = ++reply_seq_](error_code ec) {
    if (ec || seq != self->reply_seq_ || !self->awaiting_reply_) return;
    self->on_reply_timeout();
  });
}

void TcpDevice::on_reply_timeout() {
  awaiting_reply_ = false;
  context_->counters.reply_timeouts++;
  if (state_ == State::greeting || ++missed_replies_ >= context_->options.max_missed_replies) {
    drop(state_ == State::greeting ? "no reply to HELLO" : "no replies");
    return;
  }
  if (report_pending_) {
    send_reading();
  } else {
    schedule_reading(jittered_interval());
  }
}

void TcpDevice::drop(std::string_view why) {
  if (!link_) return;
  if (state_ == State::running) context_->counters.online--;
  if (state_ == State::greeting || state_ == State::running) context_->counters.disconnects++;
  error_code ignored;
  link_->socket.close(ignored);
  link_.reset();
  awaiting_reply_ = false;
  report_pending_ = false;
  ++reply_seq_;
  reply_timer_.cancel();
  auto delay = backoff_.next();
  spdlog::debug("simulator {}: disconnected ({}), reconnect in {} ms", plan_.id, why,
                delay.count());
  schedule_connect(delay);
}

milliseconds TcpDevice::jittered_interval() {
  auto base = static_cast<double>(context_->options.interval.count());
  return milliseconds(static_cast<long long>(base * random_.uniform(0.9, 1.1)));
}

}  // namespace soket::simulator
