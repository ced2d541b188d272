// broadcast / room: senders emit, the server fans out "msg" to every socket (broadcast) or to the
// sender's room (room). Each sender keeps `inflight` emits under way: it sends the next one when
// its own copy comes back. Every "msg" a connection receives counts as a delivery; its latency is
// measured from the send time carried in the payload.
//
// With --ports (n servers of a cluster, connection i on server i mod n) connections come in groups
// of n, one per server: group g is connections g*n .. g*n+n-1. Sender s is the first of group s
// (on the first server), and room members are chosen by group, so a sender's group is in its
// room. A sender's emit counts as back when its copy reached every member of its group, i.e.
// every server: the slowest node paces the load instead of a backlog growing in Redis. With one
// server this is the plain rule: the next emit when the sender's own copy is back.
#include <boost/json/array.hpp>

#include <algorithm>

#include "scenario.hpp"

namespace soket::bench {
namespace {

class Fanout final : public Scenario {
 public:
  Fanout(asio::io_context& io, const Options& options, bool rooms)
      : Scenario(io, options),
        rooms_(rooms),
        group_(std::max<std::size_t>(1, options.ports.size())),
        filler_(static_cast<std::size_t>(options.payload), 'x') {}

 private:
  void begin() override {
    auto senders = static_cast<std::size_t>(std::max(options_.senders, 0));
    if (senders < 1 || senders * group_ > static_cast<std::size_t>(options_.conns))
      return fail("--senders must be between 1 and --conns / (number of ports)");
    if (rooms_ && (options_.rooms < 1 || options_.rooms > options_.conns))
      return fail("--rooms must be between 1 and --conns");
    open_connections(static_cast<std::size_t>(options_.conns), [this] {
      if (rooms_) return join_rooms();
      start_load();
    });
  }

  std::string room_of(std::size_t i) const {
    // Appended, not `"r" + std::to_string(...)`: GCC 12 warns about the latter (-Wrestrict,
    // a false positive, GCC bug 105329).
    std::string room = "r";
    room += std::to_string(i / group_ % static_cast<std::size_t>(options_.rooms));
    return room;
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
    seen_.assign(conns_.size(), 0);
    paced_.assign(static_cast<std::size_t>(options_.senders), 0);
    per_server_.assign(group_, 0);
    for (int s = 0; s < options_.senders; ++s)
      for (int k = 0; k < options_.inflight; ++k)
        emit(*conns_[static_cast<std::size_t>(s) * group_]);
    measure(
        [this] {
          deliveries_ = 0;
          per_server_.assign(group_, 0);
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
          if (group_ > 1) {
            boost::json::array per_server;
            for (auto d : per_server_)
              per_server.push_back(d);
            result_["deliveries_per_server"] = std::move(per_server);
          }
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
      ++per_server_[conn.index() % group_];
      latency_.record(now_ns() - static_cast<int64_t>(*sent_at));
    }
    std::size_t first = conn.index() - conn.index() % group_;
    if (*sender != first) return;
    // The copy of an emit of this connection's group's sender: send the next one for each emit
    // that has now reached the whole group.
    ++seen_[conn.index()];
    uint64_t reached = seen_[first];
    for (std::size_t i = first + 1; i < first + group_; ++i)
      reached = std::min(reached, seen_[i]);
    auto& paced = paced_[first / group_];
    for (; paced < reached; ++paced)
      emit(*conns_[first]);
  }

  bool rooms_;
  std::size_t group_;  // servers: connections per group
  std::string filler_;
  std::string packet_;
  std::size_t joining_ = 0;
  bool started_ = false;
  bool measuring_ = false;
  uint64_t deliveries_ = 0;
  uint64_t emits_ = 0;
  std::vector<uint64_t> seen_;        // per connection: copies of its group sender's emits
  std::vector<uint64_t> paced_;       // per sender: emits that reached its whole group
  std::vector<uint64_t> per_server_;  // deliveries measured, per server
  Histogram latency_;
};

}  // namespace

std::unique_ptr<Scenario> make_fanout(asio::io_context& io, const Options& options, bool rooms) {
  return std::make_unique<Fanout>(io, options, rooms);
}

}  // namespace soket::bench
