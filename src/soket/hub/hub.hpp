#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/container/small_vector.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "soket/cluster/redis_link.hpp"
#include "soket/gateway/chat_server.hpp"
#include "soket/gateway/device_server.hpp"
#include "soket/gateway/udp_receiver.hpp"
#include "soket/http/server.hpp"
#include "soket/hub/access.hpp"
#include "soket/hub/config.hpp"
#include "soket/hub/device_registry.hpp"
#include "soket/hub/hub_cluster.hpp"
#include "soket/hub/new_device_limiter.hpp"
#include "soket/hub/query_pool.hpp"
#include "soket/hub/rules.hpp"
#include "soket/net/tls.hpp"
#include "soket/socketio/server.hpp"
#include "soket/store/store.hpp"

namespace soket::hub {

/// The application: devices over TCP/UDP, the TCP chat, Socket.IO (course namespace, dashboard,
/// web chat), the REST API and the village rules, all stored in SQLite. Runs on one io_context.
class Hub {
 public:
  /// A hub on `io` with `config`; nothing is opened before start().
  Hub(net::asio::io_context& io, HubConfig config);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  /// Opens the store and binds every port; throws std::runtime_error with a clear message.
  void start();
  /// Stops accepting, closes every connection and commits what is pending.
  void stop();
  /// Reads operator commands from standard input ("led-on" to every device, "@id cmd" to one).
  void read_commands_from_stdin();

  /// Gets the hub protocol's ack object of a command: {ok, commands} or {ok:false, error}.
  using CommandDone = std::function<void(boost::json::object result)>;
  /// Sends `command` to `target` ("<id>", "group:<name>", "*"); `done` gets the ack object of the
  /// hub protocol ({ok, commands} or {ok:false, error}).
  void send_command(const std::string& target, const std::string& command,
                    store::CommandSource source, CommandDone done);

  /// Reads the TLS certificate and key again (SIGHUP); new connections use them. Throws
  /// net::TlsError (the old certificate stays) or std::logic_error when TLS is off.
  void reload_tls();
  /// Whether the HTTP port speaks TLS ([tls] cert and key given).
  bool tls() const { return tls_ != nullptr; }

  /// The HTTP port actually bound (the configured one, or the one the OS chose for 0).
  uint16_t http_port() const { return http_port_; }
  /// This node's name in a cluster: [cluster] node_name, else `node-<configured http port>`.
  std::string node_name() const {
    return config_.node_name.empty() ? "node-" + std::to_string(config_.http_port)
                                     : config_.node_name;
  }
  /// Whether this node shares the hub with others ([cluster] redis).
  bool clustered() const { return !config_.redis_url.empty(); }
  /// The TCP device port actually bound.
  uint16_t tcp_port() const { return tcp_port_; }
  /// The UDP device port actually bound.
  uint16_t udp_port() const { return udp_port_; }
  /// The TCP chat port actually bound.
  uint16_t chat_port() const { return chat_port_; }

 private:
  struct Counters {
    uint64_t tcp_in = 0, tcp_out = 0, udp_in = 0, udp_out = 0, chat_in = 0, errors = 0;
  };

  void read_stdin_line();

  // Devices (hub_devices.cpp).
  void on_device_message(const gateway::DeviceConnectionPtr& conn, const gateway::DeviceMessage& m);
  void on_device_close(const gateway::DeviceConnectionPtr& conn);
  void on_datagram(const net::udp::endpoint& sender, const gateway::DeviceMessage& m,
                   const gateway::UdpReplyFn& reply);
  /// Where the answer to a device message goes: its TCP connection, or a UDP reply. Empty: none.
  struct Reply {
    Hub* hub = nullptr;
    gateway::DeviceConnectionPtr conn{};
    gateway::UdpReplyFn udp{};
    explicit operator bool() const { return hub != nullptr; }
    void operator()(std::string_view line) const;
  };
  void identify(const std::string& id, const gateway::DeviceMessage& hello, std::string transport,
                std::string address, const gateway::DeviceConnectionPtr& conn, Reply reply);
  void identify_anonymous(const gateway::DeviceConnectionPtr& conn);
  void handle_payload(const std::string& id, const gateway::DeviceMessage& m, Reply reply);
  void handle_reply(LiveDevice& device, const gateway::DeviceMessage& m);
  /// Writes what waits for a device that just (re)connected: queued commands, and commands written
  /// on an earlier connection that ended before the device replied (again, while younger than
  /// [devices] command_ttl; older ones fail).
  void deliver_pending(LiveDevice& device);
  /// Writes a command to the device's connection; returns it in its new state. `resend`: it was
  /// written on an earlier connection already.
  store::Command write_command(LiveDevice& device, const store::Command& command,
                               bool resend = false);
  void apply_rules(const std::string& device, const std::map<std::string, double>& values);
  // The rules' held state (hub_rules.cpp).
  /// A lamp that just (re)connected gets its alley's current state, unless that is already the
  /// last switch on its way to it.
  void hold_lamp_state(const LiveDevice& device);
  /// The dashboard's "All off": the off command to every alley's lamps (lamps only), and a
  /// manual override where the rule keeps them on ([rules] override_duration).
  void manual_lamps_off(CommandDone done);
  void arm_override_timer();
  boost::json::array alleys_json() const;
  /// "village-state" to the dashboards: each alley's lamps and override.
  void emit_village_state();
  void run_actions(const std::vector<RuleAction>& actions);
  void schedule_clock();
  /// Marks UDP devices offline once they are quiet for longer than their limit (every second).
  void schedule_udp_sweep();
  /// The silence after which a UDP device is offline: udp_offline_intervals of its own reporting
  /// interval, at least udp_offline_min.
  int64_t udp_offline_after_ms(const LiveDevice& device) const;
  /// Whether a command written now reaches the device: its TCP connection, or its UDP address
  /// with [devices] udp_commands while it is online.
  bool can_receive_now(const LiveDevice& device) const;
  bool write_line_to(LiveDevice& device, std::string_view line);
  bool check_device_token(const std::string& id, const std::string& token) const;
  /// Whether device `id` may be used by a message from `address`: a device the hub knows always
  /// may; a new one only within [limits.devices] (otherwise the refusal is logged, at most every
  /// 10 s, and the reason returned as an `ERR` line).
  std::optional<std::string> refuse_new_device(const std::string& id, const std::string& address);
  using StoreDone = std::function<void(const store::WriteResult&)>;
  /// A store completion that runs `fn` on the io thread. Completions come on one store thread;
  /// they reach the io thread through one queue, in commit order, with one post per burst (a
  /// committed batch) instead of one per operation. Nothing runs once the hub is gone.
  store::Completion on_io(StoreDone fn);
  /// The same for a device payload: runs payload_stored() (an empty StoreDone in the queue).
  store::Completion on_io_payload();
  void store_result(StoreDone fn, const store::WriteResult& r);  // on the store's thread
  void run_store_results();
  /// A device's message waiting for its commit (readings, text, a HELLO), or a reply line that
  /// must wait for the replies owed before it (an ERR after pipelined good lines).
  enum class PendingKind : uint8_t { readings, text, hello, line };
  struct PendingPayload {
    Reply reply{};
    std::string device{};
    int64_t ts = 0;
    PendingKind kind = PendingKind::readings;
    bool close_after = false;  // line: close the connection once it is written
    std::string text{};        // text: the message; line: the reply line
    boost::container::small_vector<std::pair<std::string, double>, 4> values{};
  };
  void payload_stored(const store::WriteResult& r);
  /// Sends `line` to a device after every reply owed for its earlier messages (so an ERR never
  /// overtakes the OKs of the lines before it); now when none is owed. `close_after`: then closes
  /// its TCP connection.
  void reply_in_order(const Reply& reply, std::string line, bool close_after = false);
  void send_ready_lines();

  // Several hubs on one database (hub_nodes.cpp); all of it is off without [cluster] redis.
  void start_cluster(const cluster::RedisUrl& url);
  /// The node recorded with a device in the store: this node's name in a cluster, else none.
  std::optional<std::string> store_node() const {
    return clustered() ? std::optional<std::string>(node_name()) : std::nullopt;
  }
  void on_cluster_message(const boost::json::object& message);
  void on_leadership(bool leader);
  /// Whether the rules act on this node: alone, or the cluster's leader (every node evaluates
  /// them, to keep their state, and only the leader acts).
  bool leads() const { return !cluster_ || cluster_->leader(); }
  /// Tells the other nodes what this node knows of a device (emit_device calls it).
  void publish_device(const LiveDevice& device);
  void on_remote_device(const boost::json::object& message);
  /// Another node's manual "All off": the override is held here too, so that whichever node
  /// leads keeps the lamps off until it ends (`at`: when it was asked, ms).
  void on_remote_lamps_off(int64_t at);
  /// Leader: a node stopped beating; its devices go offline, in the store first and then for
  /// the other nodes.
  void on_node_dead(const std::string& node);
  /// This node still holds devices that another node announced offline (it was found dead while
  /// only late, or its messages were lost while Redis was away): they are stored online here
  /// again, the other nodes are told, and the commands queued for them meanwhile are written.
  void reassert_presence(LiveDevice& device);
  /// The hub link to Redis is up (again): this node's devices are stored and announced online
  /// again, the others' are read back from the store, and the commands queued meanwhile (whose
  /// "deliver" requests were lost) are written or asked for again.
  void on_hub_link_up();
  /// Devices held by other nodes as `stored_devices` (read from the store) has them: at the start,
  /// and when the link is back (their messages may have been lost meanwhile).
  void refresh_remote_devices(const std::vector<store::Device>& stored_devices);
  /// Lines of the TCP chat that the other nodes' TCP chat users must see too.
  void relay_chat_line(std::string_view line);
  using Written = std::function<void(const store::Command& now_state, bool written_here)>;
  /// In a cluster, the store decides who writes a command: MarkCommandSent (queued -> sent) is
  /// applied first and only the node whose transition succeeded writes it to the device.
  void claim_and_write(const std::string& device_id, const store::Command& command, bool resend,
                       Written done);
  /// Asks the node holding the device to write `command`; `done` gets its state (sent), or the
  /// stored state when no node answered within remote_answer_timeout.
  void deliver_remote(const store::Command& command, bool resend,
                      std::function<void(boost::json::value)> done);
  /// Asks the node holding the command's device to write it (a "deliver" message).
  void publish_deliver(const store::Command& command, bool resend);
  void on_deliver_request(const boost::json::object& message);
  void on_delivered(const boost::json::object& message);

  // Socket.IO namespaces (hub_socketio.cpp).
  void setup_course_namespace();
  void setup_dashboard_namespace();
  void setup_chat_namespace();
  void emit_device(const LiveDevice& device);
  void emit_command_status(const store::Command& command);
  void emit_alert(const RuleAction& action, int64_t ts, int64_t id);

  // REST API and metrics (hub_rest.cpp).
  void setup_rest();
  void handle_api(const http::ExchangePtr& exchange);
  std::string metrics_text() const;
  void serve_dashboard(const http::ExchangePtr& exchange);
  /// Answers a REST request with a query run on the query pool (off the io thread).
  using PoolQuery = std::function<http::Response(const http::Request&)>;
  void respond_from_pool(const http::ExchangePtr& exchange, PoolQuery query);

  net::asio::io_context& io_;
  HubConfig config_;
  Access access_{config_};
  NewDeviceLimiter new_devices_{config_.limits.max_devices, config_.limits.new_devices_per_minute,
                                config_.limits.new_device_burst};
  std::chrono::steady_clock::time_point new_device_refusal_logged_{};
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  struct StoreResults {
    std::mutex mutex;
    std::vector<std::pair<StoreDone, store::WriteResult>> items;
    bool posted = false;
  };
  StoreResults store_results_;  // before store_: the store's thread uses it until store_ stops
  std::vector<std::pair<StoreDone, store::WriteResult>> running_results_;
  // Payloads in submission order (store completions come in that order): [head, end) wait.
  std::vector<PendingPayload> pending_payloads_;
  std::size_t pending_head_ = 0;
  std::unique_ptr<store::Store> store_;
  // For the queries of the query pool that are not pages (the dashboard's chart history): a read
  // connection of their own, so the io thread's quick reads never wait behind one.
  std::unique_ptr<store::Reader> query_reader_;
  std::unique_ptr<QueryPool> queries_;  // after the store: stopped (joined) before it closes
  DeviceRegistry registry_;
  RulesEngine rules_;
  Counters counters_;
  int64_t started_ms_ = 0;

  std::shared_ptr<http::Server> http_;
  net::TlsContextPtr tls_;                     // null: plain TCP everywhere
  std::shared_ptr<cluster::RedisLink> redis_;  // with [cluster] redis; outlives io_server_
  std::shared_ptr<HubCluster> cluster_;        // with [cluster] redis: the hubs' own link
  struct RemoteWait {
    std::function<void(boost::json::value)> done;
    std::shared_ptr<net::asio::steady_timer> timer;
  };
  std::map<int64_t, RemoteWait> remote_waits_;  // command id -> the ack waiting for its node
  bool clock_started_ = false;                  // the rules saw the time of day once
  std::set<std::string> nodes_going_offline_;   // leader: found dead, MarkAllOffline not yet done
  std::unique_ptr<socketio::Server> io_server_;
  socketio::Namespace* dashboard_ = nullptr;  // "/dashboard"
  std::unique_ptr<gateway::DeviceServer> devices_;
  std::unique_ptr<gateway::UdpReceiver> udp_;
  std::unique_ptr<gateway::ChatServer> chat_;
  // Web chat names that have spoken, with how many /chat sockets speak under each: a web user is
  // announced to the chat when its first message goes out, not when a dashboard merely opens.
  std::map<std::string, int> web_chat_speakers_;
  std::unordered_map<uint64_t, std::string> connection_device_;  // TCP connection id -> device
  std::map<std::string, std::string> udp_device_;                // "ip:port" -> device (HELLO)
  net::asio::steady_timer clock_timer_;
  net::asio::steady_timer udp_sweep_timer_;
  net::asio::steady_timer override_timer_;  // the end of the next manual override
  std::unique_ptr<net::asio::posix::stream_descriptor> stdin_;
  net::asio::streambuf stdin_buffer_;

  uint16_t http_port_ = 0, tcp_port_ = 0, udp_port_ = 0, chat_port_ = 0;
  bool stopped_ = false;
};

}  // namespace soket::hub
