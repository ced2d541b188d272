#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace soket::hub {

/// Street lamps of one alley (gang): on when its light sensor reads below `on_below` (night), off
/// above `off_above` — the gap between them keeps the lamps from flickering — and/or by a schedule.
struct AlleyRule {
  /// The alley's name, as rule events and alerts name it.
  std::string name;
  std::string light_sensor;        ///< device id
  std::string group;               ///< the lamps: devices of this group
  std::vector<std::string> lamps;  ///< and/or these device ids
  /// Lamps go on when the light sensor reads below this (lux).
  double on_below = 30;
  /// Lamps go off when the light sensor reads above this (lux).
  double off_above = 60;
  std::optional<int> schedule_on_minute;  ///< minutes after midnight, local time
  /// Minutes after midnight (local time) when the schedule turns the lamps off.
  std::optional<int> schedule_off_minute;
  /// The command sent to the lamps to switch them on.
  std::string on_command = "lamp-on";
  /// The command sent to the lamps to switch them off.
  std::string off_command = "lamp-off";
};

/// The range a greenhouse value should stay within (`min = .., max = ..` in soket.toml).
struct Range {
  /// Lowest value still in range.
  double min = 0;
  /// Highest value still in range.
  double max = 0;
};

/// A greenhouse: temperature and humidity kept within ranges; leaving a range raises an alert
/// and may send a command, coming back sends the "normal" command.
struct GreenhouseRule {
  /// The greenhouse's name, as rule events and alerts name it.
  std::string name;
  /// The id of the device that reports the `temp` and `hum` readings and gets the commands.
  std::string device;
  /// The temperature range; none: temperature is not watched.
  std::optional<Range> temp;
  /// The humidity range; none: humidity is not watched.
  std::optional<Range> hum;
  /// How far back inside a range a value must come before it counts as normal again, so a fan
  /// that cools by a degree does not switch on and off at every reading.
  double hysteresis = 2.0;
  /// A fan or pump stays on (or off) at least this long once the rule switched it: a reading
  /// that would switch it back sooner waits, so it does not flap and each episode is one alert.
  std::chrono::seconds min_switch_time{120};
  /// Sent when the temperature rises above its range.
  std::string on_temp_high = "fan-on";
  /// Sent when the temperature is back in range.
  std::string on_temp_normal = "fan-off";
  /// Sent when the humidity falls below its range.
  std::string on_hum_low = "pump-on";
  /// Sent when the humidity is back in range.
  std::string on_hum_normal = "pump-off";
};

/// What the TCP chat says ([chat] in soket.toml); `{name}` is replaced by the user's name.
struct ChatWording {
  /// Sent on connection, asking for a user name.
  std::string prompt = "user?";
  /// Sent to every user, the newcomer included, when a user joins.
  std::string joined = "{name} Telah bergabung ke dalam chat !";
  /// Sent to a user once its name is accepted.
  std::string welcome = "Kamu telah terhubung !";
  /// Sent to the others when a user leaves.
  std::string left = "{name} telah meninggalkan room chat !";
};

/// [limits.http], [limits.devices], [limits.chat]: what one client may take (docs/limits.md). A
/// count of 0 and a rate of 0 mean no limit; times are in seconds in the file.
struct HubLimits {
  // [limits.http]: Socket.IO, the dashboard and the REST API.
  int64_t http_max_connections = 5000;  ///< open at once; a WebSocket counts until it closes
  /// Open at once from one client address.
  int64_t http_max_connections_per_address = 500;
  std::chrono::milliseconds header_timeout{10000};   ///< to send the request line and headers
  std::chrono::milliseconds request_timeout{30000};  ///< to send a whole request
  /// Bytes of the request line and headers together (431 beyond).
  int64_t max_header_bytes = 16 * 1024;
  /// Header fields in one request (431 beyond).
  int64_t max_header_count = 100;
  /// Bytes of the request target (414 beyond).
  int64_t max_url_length = 8 * 1024;
  int64_t max_http_buffer_size = 1'000'000;  ///< Engine.IO maxHttpBufferSize: POST body, WS message
  std::chrono::milliseconds connect_timeout{45000};  ///< Socket.IO CONNECT after the handshake
  std::chrono::milliseconds upgrade_timeout{10000};  ///< polling -> WebSocket upgrade
  double events_per_second = 0;                      ///< per Socket.IO socket
  /// Events a Socket.IO socket may send at once beyond its rate.
  double event_burst = 0;
  /// [limits.devices]: the TCP device port (and the UDP port's rate, per sender).
  int64_t device_max_connections = 10000;
  /// Open at once from one device address.
  int64_t device_max_connections_per_address = 1000;
  /// Longest device message, in bytes, without its line ending.
  int64_t device_max_line_length = 4096;
  double device_lines_per_second = 0;  ///< per TCP connection and per UDP sender
  /// Lines a device connection (or UDP sender) may send at once beyond its rate.
  double device_line_burst = 0;
  /// Devices coming into existence (a scanner would otherwise create one per connection).
  int64_t max_devices = 10000;         ///< devices the hub knows; new ones beyond are refused
  double new_devices_per_minute = 60;  ///< per source address, after the burst
  double new_device_burst = 2000;      ///< per source address: a whole village booting at once
  /// [limits.chat]: the TCP chat port.
  int64_t chat_max_connections = 1000;
  /// Open at once from one client address.
  int64_t chat_max_connections_per_address = 50;
  /// Longest chat message, in bytes, without its line ending.
  int64_t chat_max_line_length = 4096;
  std::chrono::milliseconds chat_name_timeout{60000};  ///< to give a user name
  /// A chat connection that sends nothing for this long is closed.
  std::chrono::milliseconds chat_idle_timeout{3600000};
  /// Lines per second per chat connection.
  double chat_lines_per_second = 0;
  /// Lines a chat connection may send at once beyond its rate.
  double chat_line_burst = 0;
};

/// Everything `soket serve` can be told, from soket.toml and the command line.
struct HubConfig {
  /// The address every port listens on ([server] bind).
  std::string bind = "0.0.0.0";
  /// The HTTP port: Socket.IO, the dashboard, the REST API.
  uint16_t http_port = 5000;
  /// The TCP device port.
  uint16_t tcp_port = 2004;
  /// The UDP device port.
  uint16_t udp_port = 2004;
  /// The TCP chat port.
  uint16_t chat_port = 59000;
  /// Where the SQLite database (soket.db) lives.
  std::filesystem::path data_dir = "./data";
  /// [store] url / --store: the hub's database on a PostgreSQL server
  /// (`postgresql://user@host:port/db`); empty: SQLite, `<data_dir>/soket.db`.
  std::string store_url;
  /// trace, debug, info, warn, error or off.
  std::string log_level = "info";
  /// Whether the UDP receiver answers each datagram (OK / ERR) to its sender.
  bool udp_reply = true;
  bool fsync = true;  ///< store: fsync every commit (false: survive process crashes only)
  /// A device message without a newline ends after this long without a further byte.
  std::chrono::milliseconds idle_gap{20};
  /// [devices] idle_timeout: a TCP device from which nothing is heard for this long — no line and
  /// not even a TCP acknowledgement of a command or of a keep-alive probe — is disconnected (and
  /// logged); zero: never. A listen-only device stays: its TCP stack answers keep-alive probes.
  std::chrono::seconds device_idle_timeout{300};
  /// [devices] dead_peer_timeout: a TCP device that vanished without closing (power cut, Wi-Fi
  /// gone) is dropped and shown offline within this many seconds (TCP keep-alive and
  /// TCP_USER_TIMEOUT); zero turns keep-alive off.
  std::chrono::seconds dead_peer_timeout{25};
  /// [devices] command_ttl: a command written to a device whose connection ended before it replied
  /// is written again when the device comes back, while the command is younger than this (from its
  /// creation); older, it fails. Zero: never written twice.
  std::chrono::seconds command_ttl{600};
  /// [rules] override_duration: a manual "All off" while an alley's rule keeps its lamps on (night)
  /// holds them off until the next crossing of the rule, or this long at most (then they go on
  /// again). Zero: until the next crossing only.
  std::chrono::seconds override_duration{3600};
  /// [devices] udp_offline_intervals / udp_offline_min: a UDP sender is offline after this many of
  /// its own reporting intervals without a datagram, and never sooner than udp_offline_min.
  int udp_offline_intervals = 3;
  /// The shortest time without a datagram after which a UDP sender is offline.
  std::chrono::seconds udp_offline_min{60};
  /// [devices] udp_commands: send commands to a UDP device as datagrams to the address it sends
  /// from (for devices that listen there). Off: a UDP device gets no commands ("*" and groups leave
  /// it out, a command to it is refused with the reason).
  bool udp_commands = false;
  /// [dashboard] snapshot_devices: the /dashboard snapshot holds at most this many devices (the
  /// most recently seen) besides the village's; the dashboard finds the others with find-devices.
  int64_t snapshot_devices = 200;
  std::filesystem::path web_dir;  ///< serve the dashboard from here instead of the built-in copy
  /// What one client may take: [limits.http], [limits.devices], [limits.chat].
  HubLimits limits;

  /// [cluster]: Socket.IO shared with other nodes through Redis (the protocol of Node's
  /// `@socket.io/redis-adapter`); empty: this process alone.
  std::string redis_url;
  /// Use Redis 7 sharded pub/sub (SPUBLISH) instead of PUBLISH.
  bool redis_sharded = false;
  /// "pubsub" (`@socket.io/redis-adapter`) or "streams" (`@socket.io/redis-streams-adapter`: one
  /// Redis stream, `stream_name`; `redis_sharded` is then its useShardedPubSub).
  std::string redis_adapter = "pubsub";
  /// The Redis stream of the streams adapter (streamName).
  std::string stream_name = "socket.io";
  std::size_t stream_count = 1;        ///< streams adapter: streamCount (namespaces over N streams)
  std::size_t stream_max_len = 10000;  ///< streams adapter: maxLen (XADD MAXLEN ~)
  std::string node_name;               ///< empty: `node-<http port>`

  /// [tls]: the HTTP port speaks only TLS (https://, wss://) when a certificate and key are
  /// given; the device and chat ports too when `tls_devices` / `tls_chat` are set.
  std::string tls_cert;  // PEM certificate (chain)
  std::string tls_key;   ///< PEM private key
  /// The TCP device port speaks TLS too.
  bool tls_devices = false;
  /// The TCP chat port speaks TLS too.
  bool tls_chat = false;

  std::string dashboard_token;  ///< empty: /dashboard and /chat are open
  std::string api_token;        ///< empty: the REST API is open
  /// [auth] chat_name: the name on /chat of whoever holds the dashboard token (with a token,
  /// the name a client asks for is not used: everyone with the token is this one speaker).
  std::string dashboard_chat_name = "dashboard";
  /// [auth] link_ttl: how long a signed download link (the dashboard's CSV button) stays valid.
  std::chrono::seconds link_ttl{300};
  /// [server] cors_origins: the origins whose pages may use Socket.IO from a browser ("*": any).
  /// Unset: "*" while no token is set (the course's pages, from any origin, work unchanged);
  /// same-origin only once a dashboard or API token is set.
  std::optional<std::vector<std::string>> cors_origins;
  std::map<std::string, std::string> device_tokens;  ///< device id (or "*") -> token

  std::map<std::string, std::string> device_groups;  ///< device id -> group, from [groups]
  /// What the TCP chat says ([chat]).
  ChatWording chat;
  /// The street-lamp rules ([[village.alleys]]).
  std::vector<AlleyRule> alleys;
  /// The greenhouse rules ([[village.greenhouses]]).
  std::vector<GreenhouseRule> greenhouses;
};

/// Reads a soket.toml into `config` (keys not in the file keep their values). Throws
/// std::runtime_error with the file, line and problem for bad syntax, unknown keys or bad values.
void load_config_file(const std::filesystem::path& path, HubConfig& config);

/// Same, from TOML text (for tests).
void load_config_text(std::string_view text, HubConfig& config, std::string_view source = "config");

/// A `--limit SECTION.KEY=VALUE` flag of `soket serve`: the key `KEY` of [limits.SECTION], read as
/// the file's is (the same names, checks and errors).
void apply_limit_flag(std::string_view flag, HubConfig& config);

/// "HH:MM" -> minutes after midnight; nullopt when malformed.
std::optional<int> parse_clock(std::string_view text);

}  // namespace soket::hub
