#include "scenario.hpp"

#include <charconv>

#include "proc_stats.hpp"

namespace soket::bench {

std::optional<uint64_t> parse_uint(std::string_view s) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr == s.data()) return std::nullopt;
  return v;
}

std::optional<uint64_t> find_uint_field(std::string_view s, std::string_view quoted_key_colon) {
  auto at = s.find(quoted_key_colon);
  if (at == std::string_view::npos) return std::nullopt;
  return parse_uint(s.substr(at + quoted_key_colon.size()));
}

Scenario::Scenario(asio::io_context& io, Options options) : io_(io), options_(std::move(options)) {
  server_ = tcp::endpoint(asio::ip::make_address(options_.host), options_.port);
}

boost::json::object Scenario::run() {
  result_["scenario"] = options_.scenario;
  if (!options_.label.empty()) result_["server"] = options_.label;
  begin();
  io_.run();
  for (auto& conn : conns_)
    conn->close();
  return result_;
}

void Scenario::open_connections(std::size_t total, std::function<void()> done) {
  target_ = total;
  opened_all_ = std::move(done);
  conns_.reserve(total);
  started_at_.resize(total);
  open_more();
}

void Scenario::open_more() {
  auto in_flight = [&] { return opened_ - ready_ - failed_; };
  while (opened_ < target_ &&
         in_flight() < static_cast<std::size_t>(options_.handshake_concurrency)) {
    std::size_t i = opened_++;
    if (i >= conns_.size()) conns_.push_back(std::make_unique<Conn>(io_, *this, i));
    auto source = asio::ip::address_v4(
        (127u << 24) | (1u + static_cast<uint32_t>(i % std::max(1, options_.sources))));
    started_at_[i] = now_ns();
    conns_[i]->start(server_, source, options_.path);
  }
  if (ready_ + failed_ == target_ && opened_all_) {
    auto done = std::move(opened_all_);
    opened_all_ = nullptr;
    done();
  }
}

void Scenario::on_ready(Conn& conn) {
  if (conn.index() < started_at_.size())
    handshake_latency_.record(now_ns() - started_at_[conn.index()]);
  ++ready_;
  open_more();
}

void Scenario::on_failed(Conn& conn, std::string_view what) {
  ++failed_;
  if (!tolerate_failures_)
    return fail("connection " + std::to_string(conn.index()) + ": " + std::string(what));
  if (failed_ == 1) result_["first_failure"] = std::string(what);
  open_more();
}

void Scenario::measure(std::function<void()> on_measure_start,
                       std::function<void()> on_measure_end) {
  after(options_.warmup,
        [this, start = std::move(on_measure_start), end = std::move(on_measure_end)]() mutable {
          if (options_.server_pid) server_cpu_start_ = process_cpu_seconds(options_.server_pid);
          self_cpu_start_ = self_cpu_seconds();
          measure_start_ns_ = now_ns();
          start();
          after(options_.duration, [this, end = std::move(end)] {
            measured_seconds_ = static_cast<double>(now_ns() - measure_start_ns_) / 1e9;
            if (options_.server_pid) server_cpu_end_ = process_cpu_seconds(options_.server_pid);
            self_cpu_end_ = self_cpu_seconds();
            result_["seconds"] = measured_seconds_;
            result_["generator_cpu"] = (self_cpu_end_ - self_cpu_start_) / measured_seconds_;
            end();
          });
        });
}

void Scenario::add_cost(const char* unit, double messages) {
  if (!server_cpu_start_ || !server_cpu_end_ || messages <= 0) return;
  double cpu = *server_cpu_end_ - *server_cpu_start_;
  result_["server_cpu"] = cpu / measured_seconds_;  // cores busy
  result_[std::string("server_cpu_us_per_") + unit] = cpu * 1e6 / messages;
}

void Scenario::add_latency(const Histogram& h) {
  result_["p50_us"] = h.quantile(0.50) / 1e3;
  result_["p99_us"] = h.quantile(0.99) / 1e3;
  result_["p999_us"] = h.quantile(0.999) / 1e3;
  result_["max_us"] = h.quantile(1.0) / 1e3;
}

void Scenario::after(double seconds, std::function<void()> fn) {
  auto timer = std::make_unique<asio::steady_timer>(
      io_, std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9)));
  timer->async_wait([this, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (!ec && !finished_) fn();
  });
  timers_.push_back(std::move(timer));
}

void Scenario::fail(std::string message) {
  if (finished_) return;
  result_["error"] = std::move(message);
  finish();
}

void Scenario::finish() {
  if (finished_) return;
  finished_ = true;
  for (auto& conn : conns_)
    conn->close();
  io_.stop();
}

}  // namespace soket::bench
