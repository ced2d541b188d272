// echo: each connection emits "echo" with an ack and the server acks with the same arguments.
// Closed loop (K acks in flight per connection) or open loop (a fixed total rate, latency counted
// from when each emit was due, so a stalled server cannot hide its queueing).
#include <deque>

#include "scenario.hpp"

namespace soket::bench {
namespace {

class Echo final : public Scenario {
 public:
  Echo(asio::io_context& io, const Options& options)
      : Scenario(io, options), filler_(static_cast<std::size_t>(options.payload), 'x') {
    tail_ = "[\"" + filler_ + "\"]";
  }

 private:
  struct State {
    uint64_t next_id = 0;
    std::deque<std::pair<uint64_t, int64_t>> pending;  // ack id, due time
  };

  void begin() override {
    state_.resize(static_cast<std::size_t>(options_.conns));
    open_connections(state_.size(), [this] { start_load(); });
  }

  void start_load() {
    if (options_.rate > 0) {
      load_start_ns_ = now_ns();
      tick();
    } else {
      for (auto& conn : conns_)
        for (int k = 0; k < options_.inflight; ++k)
          emit(*conn, now_ns());
    }
    measure(
        [this] {
          acks_ = 0;
          latency_.reset();
          measuring_ = true;
        },
        [this] {
          measuring_ = false;
          result_["conns"] = options_.conns;
          if (options_.rate > 0) {
            result_["target_rate"] = options_.rate;
          } else {
            result_["inflight"] = options_.inflight;
          }
          result_["payload"] = options_.payload;
          result_["acks"] = acks_;
          result_["rate"] = static_cast<double>(acks_) / measured_seconds_;
          add_latency(latency_);
          add_cost("ack", static_cast<double>(acks_));
          finish();
        });
  }

  void emit(Conn& conn, int64_t due) {
    auto& s = state_[conn.index()];
    uint64_t id = s.next_id++;
    s.pending.emplace_back(id, due);
    packet_.clear();
    packet_ += '2';
    packet_ += std::to_string(id);
    packet_ += "[\"echo\",\"";
    packet_ += filler_;
    packet_ += "\"]";
    conn.send_packet(packet_);
  }

  // Open loop: every 100 us, emit what is due, round-robin over the connections.
  void tick() {
    int64_t now = now_ns();
    auto due_total =
        static_cast<uint64_t>(static_cast<double>(now - load_start_ns_) * options_.rate / 1e9);
    constexpr std::size_t kMaxPending = 100000;
    while (sent_ < due_total) {
      int64_t due =
          load_start_ns_ + static_cast<int64_t>(static_cast<double>(sent_) * 1e9 / options_.rate);
      Conn& conn = *conns_[sent_ % conns_.size()];
      if (state_[conn.index()].pending.size() > kMaxPending)
        return fail("server fell behind the fixed rate (over 100000 acks pending)");
      emit(conn, due);
      ++sent_;
    }
    timer_ = std::make_unique<asio::steady_timer>(io_, std::chrono::microseconds(100));
    timer_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }

  void on_packet(Conn& conn, std::string_view packet) override {
    // Expected: 3<id>["<filler>"]
    if (!packet.starts_with('3')) return;  // a stray event: not ours to count
    auto id = parse_uint(packet.substr(1));
    auto& s = state_[conn.index()];
    if (!packet.ends_with(tail_)) return fail("ack with other arguments: " + std::string(packet));
    if (!id || s.pending.empty() || s.pending.front().first != *id)
      return fail("ack out of order or unknown: " + std::string(packet.substr(0, 40)));
    int64_t due = s.pending.front().second;
    s.pending.pop_front();
    int64_t now = now_ns();
    if (measuring_) {
      ++acks_;
      latency_.record(now - due);
    }
    if (options_.rate <= 0) emit(conn, now);
  }

  std::string filler_;
  std::string tail_;  // what an ack must end with: the same arguments
  std::string packet_;
  std::vector<State> state_;
  Histogram latency_;
  uint64_t acks_ = 0;
  bool measuring_ = false;
  int64_t load_start_ns_ = 0;
  uint64_t sent_ = 0;
  std::unique_ptr<asio::steady_timer> timer_;
};

}  // namespace

std::unique_ptr<Scenario> make_echo(asio::io_context& io, const Options& options) {
  return std::make_unique<Echo>(io, options);
}

}  // namespace soket::bench
