#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conn.hpp"
#include "histogram.hpp"

namespace soket::bench {

struct Options {
  std::string scenario;
  std::string label;  // names the server in the output ("soket", "node", "raw")
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::vector<uint16_t> ports;  // several servers (a cluster): connection i goes to ports[i % n]
  std::string path = "/socket.io/?EIO=4&transport=websocket";
  int conns = 100;
  int inflight = 1;     // echo: acks in flight per connection; fan-out: emits in flight per sender
  int senders = 1;      // broadcast / room
  int rooms = 10;       // room
  double rate = 0;      // echo: fixed total acks/s (open loop); 0 = closed loop
  int payload = 16;     // bytes of filler per message
  double warmup = 1;    // seconds
  double duration = 5;  // seconds measured
  int sources = 4;      // spread connections over 127.0.0.1 .. 127.0.0.<sources>
  int handshake_concurrency = 256;
  double connect_rate = 0;  // connections started per second (open loop); 0 = concurrency-bound
  std::vector<int> steps;   // conns: connection counts where the server's memory is sampled
  double settle = 1;        // conns: seconds to wait before sampling memory
  int server_pid = 0;       // for RSS (the first of server_pids); 0 = not measured
  std::vector<int> server_pids;  // CPU time summed over all of them
  std::vector<int> aux_pids;     // CPU time reported apart ("aux_cpu"), e.g. a redis-server
  std::string db;                // devices: the hub's SQLite file, to count what it stored
  bool tls = false;              // wss:// (the server's certificate is not checked)
  /// "websocket", "polling" (HTTP long-polling), or "mixed" (even connections poll, odd ones use
  /// WebSocket).
  std::string transport = "websocket";
  std::string ready_file;  // hold: written with the number of ready connections
  std::string go_file;     // hold: the sender's broadcast waits for this file
};

/// Nanoseconds on the steady clock (shared with the server: same machine).
inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Parses the unsigned integer at the start of `s`; nullopt if there is none.
std::optional<uint64_t> parse_uint(std::string_view s);
/// The unsigned integer after `"key":` in `s` (a flat JSON text), or nullopt.
std::optional<uint64_t> find_uint_field(std::string_view s, std::string_view quoted_key_colon);

/// Shared machinery: opening connections, warm-up and measuring windows, server CPU sampling,
/// failure handling. A scenario fills `result_` and calls finish().
class Scenario : public ConnHandler {
 public:
  Scenario(asio::io_context& io, Options options);
  virtual ~Scenario() = default;

  /// Runs to completion on the io_context; returns the JSON result (with "error" on failure).
  boost::json::object run();

 protected:
  virtual void begin() = 0;  // called once run() starts

  /// Opens connections until `total` are ready (keeping handshake_concurrency in flight, or
  /// starting connect_rate per second, each timed from when it was due), then
  /// calls `done`.
  void open_connections(std::size_t total, std::function<void()> done);
  /// Warm-up, then a measured window: `on_measure_start` when counting starts and
  /// `on_measure_end` when it ends; server CPU is sampled at both ends.
  void measure(std::function<void()> on_measure_start, std::function<void()> on_measure_end);
  void after(double seconds, std::function<void()> fn);
  void fail(std::string message);
  void finish();

  void on_ready(Conn& conn) override;
  void on_failed(Conn& conn, std::string_view what) override;

  /// Adds the CPU fields for `messages` handled by the server(s) in the measured window (and of
  /// the aux processes, apart).
  void add_cost(const char* unit, double messages);
  void add_latency(const Histogram& h);

  asio::io_context& io_;
  Options options_;
  std::unique_ptr<asio::ssl::context> tls_;  // options_.tls: shared by (and outlives) conns_
  std::vector<std::unique_ptr<Conn>> conns_;
  boost::json::object result_;
  double measured_seconds_ = 0;
  Histogram handshake_latency_;
  std::size_t failed_ = 0;
  bool tolerate_failures_ = false;  // conns: a refused connection is a result, not an error

 private:
  void open_more();
  void open_paced();
  void start_conn(int64_t due_ns);
  std::unique_ptr<Conn> make_conn(std::size_t index);

  // connect_rate: the pace of the current open_connections() call.
  int64_t pace_start_ns_ = 0;
  std::size_t pace_first_ = 0;
  std::unique_ptr<asio::steady_timer> pace_timer_;

  std::vector<tcp::endpoint> servers_;
  std::vector<int64_t> started_at_;
  std::size_t target_ = 0;
  std::size_t opened_ = 0;
  std::size_t ready_ = 0;
  std::function<void()> opened_all_;
  std::vector<double> server_cpu_start_, server_cpu_end_;  // per process of server_pids
  std::vector<double> aux_cpu_start_, aux_cpu_end_;
  double self_cpu_start_ = 0, self_cpu_end_ = 0;
  int64_t measure_start_ns_ = 0;
  std::vector<std::unique_ptr<asio::steady_timer>> timers_;
  bool finished_ = false;
};

std::unique_ptr<Scenario> make_echo(asio::io_context& io, const Options& options);
std::unique_ptr<Scenario> make_fanout(asio::io_context& io, const Options& options, bool rooms);
std::unique_ptr<Scenario> make_conns(asio::io_context& io, const Options& options);
std::unique_ptr<Scenario> make_devices(asio::io_context& io, const Options& options);
std::unique_ptr<Scenario> make_hold(asio::io_context& io, const Options& options);

}  // namespace soket::bench
