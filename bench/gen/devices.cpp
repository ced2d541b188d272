// devices: N device connections speaking the hub's line protocol over plain TCP (not Socket.IO):
// `HELLO bench-<i>`, then readings `temp=<x> hum=<y>`, K lines in flight per device (pipelined),
// each answered `OK` once the hub stored it. Readings/s acknowledged, latency send -> OK. With
// --rate it is open loop (latency from when each line was due). With --db the generator counts,
// after the run, the readings the server actually stored (read-only, from the SQLite file), and
// the result is an error unless stored >= acknowledged.
#include <sqlite3.h>

#include <boost/asio/write.hpp>

#include <array>
#include <bit>
#include <charconv>
#include <cstring>

#include "scenario.hpp"
#include "source_bind.hpp"

namespace soket::bench {
namespace {

class Devices;

/// A growable ring of timestamps: no allocation once it has reached its working size.
class TimeRing {
 public:
  explicit TimeRing(std::size_t capacity = 16)
      : slots_(std::bit_ceil(std::max<std::size_t>(capacity, 2))) {}
  void push(int64_t t) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = t;
    ++size_;
  }
  int64_t pop() {
    int64_t t = slots_[head_];
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
    return t;
  }
  std::size_t size() const { return size_; }

 private:
  void grow() {
    std::vector<int64_t> bigger(slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i)
      bigger[i] = slots_[(head_ + i) & (slots_.size() - 1)];
    slots_ = std::move(bigger);
    head_ = 0;
  }
  std::vector<int64_t> slots_;
  std::size_t head_ = 0, size_ = 0;
};

/// One device: a TCP connection, lines out (gathered per loop turn into one write), `OK`/`ERR`
/// lines in.
class DeviceConn {
 public:
  DeviceConn(asio::io_context& io, Devices& owner, std::size_t index, int inflight)
      : socket_(io), owner_(owner), index_(index), sent_at_(static_cast<std::size_t>(inflight)) {
    out_.reserve(64 * static_cast<std::size_t>(inflight) + 64);
    writing_.reserve(out_.capacity());
  }

  void start(const tcp::endpoint& server, const asio::ip::address& source);
  /// Queues one reading line sent (or due) at `t`; the write goes out with flush().
  void queue_reading(int64_t t);
  void flush();
  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }
  std::size_t index() const { return index_; }
  std::size_t pending() const { return sent_at_.size(); }
  bool ready() const { return ready_; }

 private:
  void fail(std::string what, const boost::system::error_code& ec = {});
  void read_more();
  void on_line(std::string_view line);

  tcp::socket socket_;
  Devices& owner_;
  std::size_t index_;
  TimeRing sent_at_;
  std::array<char, 16 * 1024> in_{};
  std::size_t in_len_ = 0;
  std::string out_;      // lines waiting for the next write
  std::string writing_;  // the write in flight
  bool write_in_flight_ = false;
  bool ready_ = false;  // HELLO answered
  bool closed_ = false;
  bool hello_pending_ = true;
  uint64_t seq_ = 0;
};

class Devices final : public Scenario {
 public:
  Devices(asio::io_context& io, const Options& options) : Scenario(io, options) {
    server_ = tcp::endpoint(asio::ip::make_address(options_.host), options_.port);
  }

  // Called by the connections.
  void on_hello_ok(DeviceConn& conn) {
    handshake_latency_.record(now_ns() - started_at_[conn.index()]);
    ++ready_;
    open_more();
  }
  void on_ok(DeviceConn& conn, int64_t sent_at) {
    int64_t now = now_ns();
    ++acknowledged_;
    if (measuring_) {
      ++window_acks_;
      latency_.record(now - sent_at);
    }
    if (options_.rate <= 0 && !stopped_) conn.queue_reading(now);
  }
  void on_err(DeviceConn& conn, std::string_view line) {
    ++errors_;
    fail_with("device " + std::to_string(conn.index()) + " got " +
              std::string(line.substr(0, 120)));
  }
  void on_conn_failed(DeviceConn& conn, const std::string& what) {
    fail_with("connection " + std::to_string(conn.index()) + ": " + what);
  }

 private:
  void fail_with(std::string message) {
    result_["errors"] = errors_;
    fail(std::move(message));
    for (auto& c : devices_)
      c->close();
  }

  void begin() override {
    if (!options_.db.empty()) {
      auto before = count_stored();
      if (!before) return fail_with(db_error_);
      stored_before_ = *before;
    }
    auto n = static_cast<std::size_t>(options_.conns);
    devices_.reserve(n);
    started_at_.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      devices_.push_back(std::make_unique<DeviceConn>(io_, *this, i, options_.inflight));
    open_start_ns_ = now_ns();
    open_more();
  }

  void open_more() {
    auto target = devices_.size();
    while (opened_ < target &&
           opened_ - ready_ < static_cast<std::size_t>(options_.handshake_concurrency)) {
      std::size_t i = opened_++;
      auto source = asio::ip::address_v4(
          (127u << 24) | (1u + static_cast<uint32_t>(i % std::max(1, options_.sources))));
      started_at_[i] = now_ns();
      devices_[i]->start(server_, source);
    }
    if (ready_ == target && !loading_) {
      loading_ = true;
      result_["connect_seconds"] = static_cast<double>(now_ns() - open_start_ns_) / 1e9;
      start_load();
    }
  }

  void start_load() {
    if (options_.rate > 0) {
      load_start_ns_ = now_ns();
      tick();
    } else {
      for (auto& d : devices_) {
        for (int k = 0; k < options_.inflight; ++k)
          d->queue_reading(now_ns());
        d->flush();
      }
    }
    measure(
        [this] {
          window_acks_ = 0;
          latency_.reset();
          measuring_ = true;
        },
        [this] { end(); });
  }

  void end() {
    measuring_ = false;
    stopped_ = true;
    uint64_t acknowledged = acknowledged_;  // every OK so far, warm-up included
    result_["conns"] = options_.conns;
    if (options_.rate > 0) {
      result_["target_rate"] = options_.rate;
    } else {
      result_["inflight"] = options_.inflight;
    }
    result_["readings"] = window_acks_;
    result_["rate"] = static_cast<double>(window_acks_) / measured_seconds_;
    result_["errors"] = errors_;
    add_latency(latency_);
    add_cost("reading", static_cast<double>(window_acks_));
    result_["acknowledged"] = acknowledged;
    if (!options_.db.empty()) {
      // Counted now: every OK counted above was sent after its commit, so all of them must be in
      // the file already (lines still in flight may be stored too, hence >=).
      auto after = count_stored();
      if (!after) return fail_with(db_error_);
      uint64_t stored = *after - stored_before_;
      result_["stored"] = stored;
      if (stored < acknowledged)
        return fail_with("stored " + std::to_string(stored) + " < acknowledged " +
                         std::to_string(acknowledged));
    }
    finish();
    for (auto& d : devices_)
      d->close();
  }

  // Open loop: every 100 us, queue what is due, round-robin over the devices.
  void tick() {
    if (stopped_) return;
    int64_t now = now_ns();
    auto due_total =
        static_cast<uint64_t>(static_cast<double>(now - load_start_ns_) * options_.rate / 1e9);
    constexpr std::size_t kMaxPending = 100000;
    dirty_.clear();
    while (sent_ < due_total) {
      int64_t due =
          load_start_ns_ + static_cast<int64_t>(static_cast<double>(sent_) * 1e9 / options_.rate);
      DeviceConn& d = *devices_[sent_ % devices_.size()];
      if (d.pending() > kMaxPending)
        return fail_with("server fell behind the fixed rate (over 100000 readings pending)");
      if (dirty_.empty() || dirty_.back() != &d) dirty_.push_back(&d);
      d.queue_reading(due);
      ++sent_;
    }
    for (auto* d : dirty_)
      d->flush();
    timer_ = std::make_unique<asio::steady_timer>(io_, std::chrono::microseconds(100));
    timer_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }

  /// Readings (lines) of devices bench-* in the database: rows with key "temp", one per line.
  std::optional<uint64_t> count_stored() {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(options_.db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    std::optional<uint64_t> count;
    sqlite3_stmt* stmt = nullptr;
    if (rc == SQLITE_OK) {
      sqlite3_busy_timeout(db, 5000);
      rc = sqlite3_prepare_v2(db,
                              "SELECT count(*) FROM readings WHERE device_id >= 'bench-' AND "
                              "device_id < 'bench.' AND key = 'temp'",
                              -1, &stmt, nullptr);
    }
    if (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
      count = static_cast<uint64_t>(sqlite3_column_int64(stmt, 0));
    if (!count) db_error_ = "cannot count readings in " + options_.db + ": " + sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return count;
  }

  void on_packet(Conn&, std::string_view) override {}

  tcp::endpoint server_;
  std::vector<std::unique_ptr<DeviceConn>> devices_;
  std::vector<int64_t> started_at_;
  std::vector<DeviceConn*> dirty_;
  std::size_t opened_ = 0, ready_ = 0;
  bool loading_ = false;
  int64_t open_start_ns_ = 0;
  Histogram latency_;
  uint64_t acknowledged_ = 0, window_acks_ = 0, errors_ = 0;
  uint64_t stored_before_ = 0;
  std::string db_error_;
  bool measuring_ = false, stopped_ = false;
  int64_t load_start_ns_ = 0;
  uint64_t sent_ = 0;
  std::unique_ptr<asio::steady_timer> timer_;
};

void DeviceConn::start(const tcp::endpoint& server, const asio::ip::address& source) {
  boost::system::error_code ec;
  socket_.open(server.protocol(), ec);
  if (!ec) socket_.set_option(tcp::no_delay(true), ec);
  if (!ec) bind_source(socket_, source, ec);
  if (ec) return fail("socket setup", ec);
  socket_.async_connect(server, [this](const boost::system::error_code& ec) {
    if (closed_) return;
    if (ec) return fail("connect", ec);
    out_ += "HELLO bench-";
    out_ += std::to_string(index_);
    out_ += '\n';
    flush();
    read_more();
  });
}

void DeviceConn::queue_reading(int64_t t) {
  if (closed_) return;
  sent_at_.push(t);
  // temp=20.0..29.9 hum=40..79, varying per line
  uint64_t s = seq_++ + index_;
  char line[48];
  char* p = line;
  std::memcpy(p, "temp=", 5);
  p += 5;
  p = std::to_chars(p, line + sizeof line, 20 + (s % 100) / 10).ptr;
  *p++ = '.';
  *p++ = static_cast<char>('0' + s % 10);
  std::memcpy(p, " hum=", 5);
  p += 5;
  p = std::to_chars(p, line + sizeof line, 40 + (s * 7) % 40).ptr;
  *p++ = '\n';
  out_.append(line, static_cast<std::size_t>(p - line));
}

void DeviceConn::flush() {
  if (write_in_flight_ || out_.empty() || closed_) return;
  write_in_flight_ = true;
  std::swap(out_, writing_);
  asio::async_write(socket_, asio::buffer(writing_),
                    [this](const boost::system::error_code& ec, std::size_t) {
                      write_in_flight_ = false;
                      writing_.clear();
                      if (closed_) return;
                      if (ec) return fail("write", ec);
                      flush();
                    });
}

void DeviceConn::read_more() {
  socket_.async_read_some(
      asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
      [this](const boost::system::error_code& ec, std::size_t n) {
        if (closed_) return;
        if (ec) return fail("read", ec);
        in_len_ += n;
        std::size_t pos = 0;
        while (true) {
          auto* nl = static_cast<const char*>(std::memchr(in_.data() + pos, '\n', in_len_ - pos));
          if (!nl) break;
          std::size_t end = static_cast<std::size_t>(nl - in_.data());
          on_line(std::string_view(in_.data() + pos, end - pos));
          if (closed_) return;
          pos = end + 1;
        }
        if (pos == 0 && in_len_ == in_.size()) return fail("reply line too long");
        std::memmove(in_.data(), in_.data() + pos, in_len_ - pos);
        in_len_ -= pos;
        flush();
        read_more();
      });
}

void DeviceConn::on_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line != "OK") {
    if (line.starts_with("ERR")) return owner_.on_err(*this, line);
    return fail("unexpected reply: " + std::string(line.substr(0, 80)));
  }
  if (hello_pending_) {
    hello_pending_ = false;
    ready_ = true;
    return owner_.on_hello_ok(*this);
  }
  if (sent_at_.size() == 0) return fail("OK without a reading in flight");
  owner_.on_ok(*this, sent_at_.pop());
}

void DeviceConn::fail(std::string what, const boost::system::error_code& ec) {
  if (closed_) return;
  if (ec) what += ": " + ec.message();
  close();
  owner_.on_conn_failed(*this, what);
}

}  // namespace

std::unique_ptr<Scenario> make_devices(asio::io_context& io, const Options& options) {
  return std::make_unique<Devices>(io, options);
}

}  // namespace soket::bench
