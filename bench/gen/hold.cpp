// hold: the generator's side of bench/c100k.py. Opens --conns connections (over --ports, round
// robin), writes how many are ready to --ready-file, and holds them for --duration seconds
// answering pings. Every "msg" a connection receives is a delivery timed from the send time in
// its payload. With --senders 1, connection 0 emits one "bcast" as soon as --go-file exists (the
// orchestrator creates it once every generator is ready), so the deliveries of all generators
// together say when the last of all the connections got the broadcast.
#include <boost/json/array.hpp>

#include <filesystem>
#include <fstream>

#include "scenario.hpp"

namespace soket::bench {
namespace {

class Hold final : public Scenario {
 public:
  // A refused or dropped connection is a result (counted in "failed"), not the end of the run.
  Hold(asio::io_context& io, const Options& options) : Scenario(io, options) {
    tolerate_failures_ = true;
  }

 private:
  void begin() override {
    if (options_.ready_file.empty()) return fail("hold needs --ready-file");
    open_connections(static_cast<std::size_t>(options_.conns), [this] {
      ready_ns_ = now_ns();
      std::ofstream(options_.ready_file) << ready_count() << "\n";
      if (options_.senders > 0) wait_for_go();
      after(options_.duration, [this] { done(); });
    });
  }

  std::size_t ready_count() const {
    std::size_t n = 0;
    for (const auto& conn : conns_)
      n += conn->ready() ? 1 : 0;
    return n;
  }

  void wait_for_go() {
    if (options_.go_file.empty() || std::filesystem::exists(options_.go_file)) {
      std::string packet = "2[\"bcast\",{\"s\":0,\"t\":" + std::to_string(now_ns()) + "}]";
      conns_.front()->send_packet(packet);
      result_["bcast_sent_after_ready_s"] = static_cast<double>(now_ns() - ready_ns_) / 1e9;
      return;
    }
    after(0.02, [this] { wait_for_go(); });
  }

  void on_packet(Conn&, std::string_view packet) override {
    if (!packet.starts_with("2[\"msg\",")) return;
    auto sent_at = find_uint_field(packet, "\"t\":");
    if (!sent_at) return fail("msg without t: " + std::string(packet));
    ++deliveries_;
    latency_.record(now_ns() - static_cast<int64_t>(*sent_at));
  }

  void done() {
    std::size_t pinged = 0;
    uint64_t pings = 0;
    for (const auto& conn : conns_) {
      if (conn->ready() && conn->pings() > 0) ++pinged;
      pings += conn->pings();
    }
    result_["conns"] = options_.conns;
    result_["ready_at_end"] = ready_count();
    result_["answered_a_ping"] = pinged;
    result_["pings"] = pings;
    result_["held_s"] = static_cast<double>(now_ns() - ready_ns_) / 1e9;
    result_["deliveries"] = deliveries_;
    if (deliveries_ > 0) {
      result_["last_delivery_us"] = latency_.quantile(1.0) / 1e3;
      result_["p50_delivery_us"] = latency_.quantile(0.5) / 1e3;
    }
    handshake_summary();
    finish();
  }

  void handshake_summary() {
    result_["handshake_p50_us"] = handshake_latency_.quantile(0.5) / 1e3;
    result_["handshake_p99_us"] = handshake_latency_.quantile(0.99) / 1e3;
    result_["failed"] = failed_;
  }

  int64_t ready_ns_ = 0;
  uint64_t deliveries_ = 0;
  Histogram latency_;
};

}  // namespace

std::unique_ptr<Scenario> make_hold(asio::io_context& io, const Options& options) {
  return std::make_unique<Hold>(io, options);
}

}  // namespace soket::bench
