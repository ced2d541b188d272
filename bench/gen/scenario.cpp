#include "scenario.hpp"

#include <boost/json/array.hpp>

#include <charconv>

#include "poll_conn.hpp"
#include "proc_stats.hpp"
#include "ws_conn.hpp"

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

namespace {

/// CPU seconds of each process; empty if one of them cannot be read.
std::vector<double> cpu_seconds(const std::vector<int>& pids) {
  std::vector<double> out;
  for (int pid : pids) {
    auto cpu = process_cpu_seconds(pid);
    if (!cpu) return {};
    out.push_back(*cpu);
  }
  return out;
}

}  // namespace

Scenario::Scenario(asio::io_context& io, Options options) : io_(io), options_(std::move(options)) {
  if (options_.tls) {
    // TLS 1.2+ as a browser would offer it; the bench's throwaway certificate is not checked.
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    tls_->set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    tls_->set_verify_mode(asio::ssl::verify_none);
  }
  auto address = asio::ip::make_address(options_.host);
  if (options_.ports.empty()) options_.ports.push_back(options_.port);
  for (auto port : options_.ports)
    servers_.emplace_back(address, port);
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
  if (options_.connect_rate > 0) {
    pace_start_ns_ = now_ns();
    pace_first_ = opened_;
    return open_paced();
  }
  open_more();
}

void Scenario::start_conn(int64_t due_ns) {
  std::size_t i = opened_++;
  if (i >= conns_.size()) conns_.push_back(make_conn(i));
  auto source = asio::ip::address_v4(
      (127u << 24) | (1u + static_cast<uint32_t>(i % std::max(1, options_.sources))));
  started_at_[i] = due_ns;
  conns_[i]->start(servers_[i % servers_.size()], source, options_.path);
}

// Open loop: every 100 us, start the connections that are due by now, whatever is in flight.
void Scenario::open_paced() {
  if (finished_) return;
  double per_ns = options_.connect_rate / 1e9;
  auto due = pace_first_ +
             static_cast<std::size_t>(static_cast<double>(now_ns() - pace_start_ns_) * per_ns) + 1;
  while (opened_ < std::min(due, target_))
    start_conn(pace_start_ns_ +
               static_cast<int64_t>(static_cast<double>(opened_ - pace_first_) / per_ns));
  if (opened_ < target_) {
    pace_timer_ = std::make_unique<asio::steady_timer>(io_, std::chrono::microseconds(100));
    pace_timer_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) open_paced();
    });
  }
}

// Called as each connection is ready or failed: keeps handshake_concurrency in flight (unless
// paced: open_paced() starts them), and calls `done` once all are.
void Scenario::open_more() {
  auto in_flight = [&] { return opened_ - ready_ - failed_; };
  if (options_.connect_rate <= 0) {
    while (opened_ < target_ &&
           in_flight() < static_cast<std::size_t>(options_.handshake_concurrency))
      start_conn(now_ns());
  }
  if (ready_ + failed_ == target_ && opened_all_) {
    auto done = std::move(opened_all_);
    opened_all_ = nullptr;
    done();
  }
}

std::unique_ptr<Conn> Scenario::make_conn(std::size_t index) {
  bool polling =
      options_.transport == "polling" || (options_.transport == "mixed" && index % 2 == 0);
  if (polling) return std::make_unique<PollConn>(io_, *this, index);
  return std::make_unique<WsConn>(io_, *this, index, tls_.get());
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
          server_cpu_start_ = cpu_seconds(options_.server_pids);
          aux_cpu_start_ = cpu_seconds(options_.aux_pids);
          self_cpu_start_ = self_cpu_seconds();
          measure_start_ns_ = now_ns();
          start();
          after(options_.duration, [this, end = std::move(end)] {
            measured_seconds_ = static_cast<double>(now_ns() - measure_start_ns_) / 1e9;
            server_cpu_end_ = cpu_seconds(options_.server_pids);
            aux_cpu_end_ = cpu_seconds(options_.aux_pids);
            self_cpu_end_ = self_cpu_seconds();
            result_["seconds"] = measured_seconds_;
            result_["generator_cpu"] = (self_cpu_end_ - self_cpu_start_) / measured_seconds_;
            end();
          });
        });
}

void Scenario::add_cost(const char* unit, double messages) {
  if (messages <= 0) return;
  // Cores busy and CPU µs per message of the processes `start`/`end` were sampled from, summed,
  // under "<prefix>_cpu" and "<prefix>_cpu_us_per_<unit>"; with more than one process also the
  // cores busy of each ("<prefix>_cpu_each").
  auto add = [&](const std::string& prefix, const std::vector<double>& start,
                 const std::vector<double>& end) {
    if (start.empty() || start.size() != end.size()) return;
    double cpu = 0;
    boost::json::array each;
    for (std::size_t i = 0; i < start.size(); ++i) {
      cpu += end[i] - start[i];
      each.push_back((end[i] - start[i]) / measured_seconds_);
    }
    result_[prefix + "_cpu"] = cpu / measured_seconds_;  // cores busy
    result_[prefix + "_cpu_us_per_" + unit] = cpu * 1e6 / messages;
    if (each.size() > 1) result_[prefix + "_cpu_each"] = std::move(each);
  };
  add("server", server_cpu_start_, server_cpu_end_);
  add("aux", aux_cpu_start_, aux_cpu_end_);
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
