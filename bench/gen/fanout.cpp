// broadcast / room: senders emit, the server fans out "msg" to every socket (broadcast) or to the
// sender's room (room). Each sender keeps `inflight` emits under way: it sends the next one when
// its own copy comes back. Every "msg" a connection receives counts as a delivery; its latency is
// measured from the send time carried in the payload.
#include "scenario.hpp"

namespace soket::bench {
namespace {

class Fanout final : public Scenario {
 public:
  Fanout(asio::io_context& io, const Options& options, bool rooms)
      : Scenario(io, options),
        rooms_(rooms),
        filler_(static_cast<std::size_t>(options.payload), 'x') {}

 private:
  void begin() override {
    if (options_.senders < 1 || options_.senders > options_.conns)
      return fail("--senders must be between 1 and --conns");
    if (rooms_ && (options_.rooms < 1 || options_.rooms > options_.conns))
      return fail("--rooms must be between 1 and --conns");
    open_connections(static_cast<std::size_t>(options_.conns), [this] {
      if (rooms_) return join_rooms();
      start_load();
    });
  }

  std::string room_of(std::size_t i) const {
    return "r" + std::to_string(i % static_cast<std::size_t>(options_.rooms));
  }

  // Each connection joins its room, then sends an echo with an ack: the server handles a
  // connection's packets in order, so the ack means the join is done.
  void join_rooms() {
    joining_ = conns_.size();
    for (auto& conn : conns_) {
      conn->send_packet("2[\"join\",\"" + room_of(conn->index()) + "\"]");
      conn->send_packet("20[\"echo\",\"joined\"]");
    }
  }

  void start_load() {
    started_ = true;
    for (int s = 0; s < options_.senders; ++s)
      for (int k = 0; k < options_.inflight; ++k)
        emit(*conns_[static_cast<std::size_t>(s)]);
    measure(
        [this] {
          deliveries_ = 0;
          emits_ = 0;
          latency_.reset();
          measuring_ = true;
        },
        [this] {
          measuring_ = false;
          result_["conns"] = options_.conns;
          result_["senders"] = options_.senders;
          result_["inflight"] = options_.inflight;
          if (rooms_) result_["rooms"] = options_.rooms;
          result_["payload"] = options_.payload;
          result_["emits"] = emits_;
          result_["deliveries"] = deliveries_;
          result_["rate"] = static_cast<double>(deliveries_) / measured_seconds_;
          add_latency(latency_);
          add_cost("delivery", static_cast<double>(deliveries_));
          finish();
        });
  }

  void emit(Conn& conn) {
    packet_.clear();
    if (rooms_) {
      packet_ += "2[\"room\",{\"room\":\"";
      packet_ += room_of(conn.index());
      packet_ += "\",";
    } else {
      packet_ += "2[\"bcast\",{";
    }
    packet_ += "\"s\":";
    packet_ += std::to_string(conn.index());
    packet_ += ",\"t\":";
    packet_ += std::to_string(now_ns());
    packet_ += ",\"p\":\"";
    packet_ += filler_;
    packet_ += "\"}]";
    if (measuring_) ++emits_;
    conn.send_packet(packet_);
  }

  void on_packet(Conn& conn, std::string_view packet) override {
    if (packet.starts_with("30[")) {  // the join barrier's ack
      if (!started_ && --joining_ == 0) start_load();
      return;
    }
    if (!packet.starts_with("2[\"msg\",{"))
      return fail("unexpected packet: " + std::string(packet));
    auto sender = find_uint_field(packet, "\"s\":");
    auto sent_at = find_uint_field(packet, "\"t\":");
    if (!sender || !sent_at) return fail("msg without s/t: " + std::string(packet));
    if (measuring_) {
      ++deliveries_;
      latency_.record(now_ns() - static_cast<int64_t>(*sent_at));
    }
    if (*sender == conn.index()) emit(conn);  // our own emit came back: send the next
  }

  bool rooms_;
  std::string filler_;
  std::string packet_;
  std::size_t joining_ = 0;
  bool started_ = false;
  bool measuring_ = false;
  uint64_t deliveries_ = 0;
  uint64_t emits_ = 0;
  Histogram latency_;
};

}  // namespace

std::unique_ptr<Scenario> make_fanout(asio::io_context& io, const Options& options, bool rooms) {
  return std::make_unique<Fanout>(io, options, rooms);
}

}  // namespace soket::bench
