// conns: opens idle connections in steps and samples the server's resident memory at each step;
// reports handshakes/s (TCP connect to Socket.IO CONNECT answered) and bytes per connection.
// The connections stay open and answer pings until the end.
#include <boost/json/array.hpp>

#include "proc_stats.hpp"
#include "scenario.hpp"

namespace soket::bench {
namespace {

class Conns final : public Scenario {
 public:
  Conns(asio::io_context& io, const Options& options) : Scenario(io, options) {
    tolerate_failures_ = true;
  }

 private:
  void begin() override {
    steps_ = options_.steps;
    if (steps_.empty()) steps_.push_back(options_.conns);
    for (std::size_t i = 1; i < steps_.size(); ++i)
      if (steps_[i] <= steps_[i - 1]) return fail("--steps must increase");
    if (options_.server_pid) base_rss_ = process_rss_bytes(options_.server_pid);
    if (base_rss_) result_["server_rss_base"] = *base_rss_;
    next_step();
  }

  void next_step() {
    if (step_ == steps_.size()) return done();
    auto total = static_cast<std::size_t>(steps_[step_]);
    int64_t start = now_ns();
    open_connections(total, [this, start, total] {
      opening_ns_ += now_ns() - start;
      after(options_.settle, [this, total] { sample(total); });
    });
  }

  void sample(std::size_t total) {
    std::size_t alive = 0;
    for (auto& conn : conns_)
      alive += conn->ready() ? 1 : 0;
    boost::json::object point;
    point["conns"] = total;
    point["alive"] = alive;
    if (options_.server_pid && base_rss_) {
      if (auto rss = process_rss_bytes(options_.server_pid)) {
        point["server_rss"] = *rss;
        if (alive > 0) point["bytes_per_conn"] = (*rss - *base_rss_) / static_cast<double>(alive);
      }
    }
    curve_.push_back(std::move(point));
    ++step_;
    if (alive < total) return done();  // the server (or the fd limit) refused some: stop here
    next_step();
  }

  void done() {
    result_["conns"] = options_.conns;
    result_["failed"] = failed_;
    if (options_.connect_rate > 0) result_["connect_rate"] = options_.connect_rate;
    result_["curve"] = std::move(curve_);
    double secs = static_cast<double>(opening_ns_) / 1e9;
    auto handshakes = handshake_latency_.count();
    result_["handshakes"] = handshakes;
    if (secs > 0) result_["handshakes_per_s"] = static_cast<double>(handshakes) / secs;
    result_["handshake_p50_us"] = handshake_latency_.quantile(0.5) / 1e3;
    result_["handshake_p99_us"] = handshake_latency_.quantile(0.99) / 1e3;
    {
      const auto& last = result_["curve"].as_array();
      if (!last.empty()) {
        const auto& p = last.back().as_object();
        if (auto* b = p.if_contains("bytes_per_conn")) result_["bytes_per_conn"] = *b;
        if (auto* r = p.if_contains("server_rss")) result_["server_rss"] = *r;
      }
    }
    finish();
  }

  void on_packet(Conn&, std::string_view) override {}

  std::vector<int> steps_;
  std::size_t step_ = 0;
  int64_t opening_ns_ = 0;
  std::optional<double> base_rss_;
  boost::json::array curve_;
};

}  // namespace

std::unique_ptr<Scenario> make_conns(asio::io_context& io, const Options& options) {
  return std::make_unique<Conns>(io, options);
}

}  // namespace soket::bench
