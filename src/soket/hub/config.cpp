#include "soket/hub/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace soket::hub {
namespace {

[[noreturn]] void fail(std::string_view source, const toml::source_region& where,
                       const std::string& message) {
  std::ostringstream out;
  out << source << ":" << where.begin.line << ": " << message;
  throw std::runtime_error(out.str());
}

// toml++ 3's value<int64_t>() casts a float to int64 unchecked (`port = 20e64` is undefined
// behaviour): a float is taken only when it is a whole number an int64 holds.
std::optional<int64_t> whole_number(const toml::node& node) {
  if (const auto* f = node.as_floating_point()) {
    constexpr double kTwo63 = 9223372036854775808.0;
    double v = f->get();
    if (!(v >= -kTwo63 && v < kTwo63) || std::trunc(v) != v) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  return node.value<int64_t>();
}

/// Reads a table's keys, refusing any key it was not asked about (a typo must not pass silently).
class TableReader {
 public:
  TableReader(const toml::table& table, std::string_view source, std::string path)
      : table_(table), source_(source), path_(std::move(path)) {}
  ~TableReader() noexcept(false) {
    if (std::uncaught_exceptions()) return;
    for (const auto& [key, node] : table_) {
      if (std::find(seen_.begin(), seen_.end(), key.str()) == seen_.end())
        fail(source_, node.source(), "unknown setting '" + path_ + std::string(key.str()) + "'");
    }
  }

  template <class T>
  void get(std::string_view key, T& out) {
    seen_.emplace_back(key);
    const toml::node* node = table_.get(key);
    if (!node) return;
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>) {
      auto v = node->value<std::string>();
      if (!v) fail(source_, node->source(), "'" + path_ + std::string(key) + "' must be a string");
      out = *v;
    } else if constexpr (std::is_same_v<T, bool>) {
      auto v = node->value<bool>();
      if (!v)
        fail(source_, node->source(), "'" + path_ + std::string(key) + "' must be true or false");
      out = *v;
    } else if constexpr (std::is_same_v<T, uint16_t>) {
      auto v = whole_number(*node);
      if (!v || *v < 0 || *v > 65535)
        fail(source_, node->source(), "'" + path_ + std::string(key) + "' must be a port number");
      out = static_cast<uint16_t>(*v);
    } else if constexpr (std::is_same_v<T, std::chrono::seconds>) {
      auto v = whole_number(*node);
      if (!v || *v < 0 || *v > 365LL * 24 * 3600)
        fail(source_, node->source(),
             "'" + path_ + std::string(key) + "' must be a whole number of seconds (0 or more)");
      out = std::chrono::seconds(*v);
    } else if constexpr (std::is_same_v<T, int>) {
      auto v = whole_number(*node);
      if (!v || *v < 0 || *v > 1000000)
        fail(source_, node->source(),
             "'" + path_ + std::string(key) + "' must be a whole number (0 or more)");
      out = static_cast<int>(*v);
    } else if constexpr (std::is_same_v<T, std::size_t>) {
      auto v = whole_number(*node);
      if (!v || *v < 1)
        fail(source_, node->source(),
             "'" + path_ + std::string(key) + "' must be a positive integer");
      out = static_cast<std::size_t>(*v);
    } else if constexpr (std::is_same_v<T, int64_t>) {
      auto v = whole_number(*node);
      if (!v || *v < 0)
        fail(source_, node->source(),
             "'" + path_ + std::string(key) + "' must be a whole number (0 or more)");
      out = *v;
    } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
      auto v = node->value<double>();
      if (!v || !(*v >= 0) || *v > 365.0 * 24 * 3600)
        fail(source_, node->source(),
             "'" + path_ + std::string(key) + "' must be a number of seconds (0 or more)");
      out = std::chrono::milliseconds(static_cast<int64_t>(*v * 1000 + 0.5));
    } else if constexpr (std::is_same_v<T, double>) {
      auto v = node->value<double>();
      if (!v || !std::isfinite(*v))  // TOML has inf and nan; no setting means them
        fail(source_, node->source(), "'" + path_ + std::string(key) + "' must be a number");
      out = *v;
    } else {
      static_assert(sizeof(T) == 0, "unsupported setting type");
    }
  }

  const toml::table* table(std::string_view key) {
    seen_.emplace_back(key);
    const toml::node* node = table_.get(key);
    if (!node) return nullptr;
    if (!node->is_table())
      fail(source_, node->source(), "'" + path_ + std::string(key) + "' must be a table");
    return node->as_table();
  }

  const toml::array* array(std::string_view key) {
    seen_.emplace_back(key);
    const toml::node* node = table_.get(key);
    if (!node) return nullptr;
    if (!node->is_array())
      fail(source_, node->source(), "'" + path_ + std::string(key) + "' must be an array");
    return node->as_array();
  }

  const toml::node* raw(std::string_view key) {
    seen_.emplace_back(key);
    return table_.get(key);
  }

  std::string_view source() const { return source_; }

 private:
  const toml::table& table_;
  std::string_view source_;
  std::string path_;
  std::vector<std::string> seen_;
};

void read_range(TableReader& parent, std::string_view key, std::optional<Range>& out,
                const std::string& path) {
  const toml::table* table = parent.table(key);
  if (!table) return;
  Range range;
  TableReader reader(*table, parent.source(), path + std::string(key) + ".");
  reader.get("min", range.min);
  reader.get("max", range.max);
  if (range.min >= range.max)
    fail(parent.source(), table->source(),
         "'" + path + std::string(key) + "': min must be below max");
  out = range;
}

void read_alley(const toml::table& table, std::string_view source, HubConfig& config) {
  AlleyRule alley;
  TableReader reader(table, source, "village.alleys.");
  reader.get("name", alley.name);
  reader.get("light_sensor", alley.light_sensor);
  reader.get("group", alley.group);
  if (const toml::array* lamps = reader.array("lamps")) {
    for (const auto& lamp : *lamps) {
      auto id = lamp.value<std::string>();
      if (!id) fail(source, lamp.source(), "'village.alleys.lamps' must list device ids");
      alley.lamps.push_back(*id);
    }
  }
  reader.get("on_below", alley.on_below);
  reader.get("off_above", alley.off_above);
  reader.get("on_command", alley.on_command);
  reader.get("off_command", alley.off_command);
  if (const toml::table* schedule = reader.table("schedule")) {
    TableReader s(*schedule, source, "village.alleys.schedule.");
    std::string on, off;
    s.get("on", on);
    s.get("off", off);
    alley.schedule_on_minute = parse_clock(on);
    alley.schedule_off_minute = parse_clock(off);
    if (!alley.schedule_on_minute || !alley.schedule_off_minute)
      fail(source, schedule->source(), "schedule times must be \"HH:MM\"");
  }
  if (alley.name.empty()) fail(source, table.source(), "an alley needs a name");
  if (alley.group.empty() && alley.lamps.empty())
    fail(source, table.source(),
         "alley '" + alley.name + "' needs a lamp group or a list of lamps");
  if (alley.light_sensor.empty() && !alley.schedule_on_minute)
    fail(source, table.source(),
         "alley '" + alley.name + "' needs a light_sensor or a schedule to switch its lamps");
  if (alley.on_below >= alley.off_above)
    fail(source, table.source(), "alley '" + alley.name + "': on_below must be below off_above");
  config.alleys.push_back(std::move(alley));
}

void read_greenhouse(const toml::table& table, std::string_view source, HubConfig& config) {
  GreenhouseRule greenhouse;
  TableReader reader(table, source, "village.greenhouses.");
  reader.get("name", greenhouse.name);
  reader.get("device", greenhouse.device);
  read_range(reader, "temp", greenhouse.temp, "village.greenhouses.");
  read_range(reader, "hum", greenhouse.hum, "village.greenhouses.");
  reader.get("hysteresis", greenhouse.hysteresis);
  reader.get("min_switch_time", greenhouse.min_switch_time);
  if (greenhouse.hysteresis < 0) fail(source, table.source(), "hysteresis must not be negative");
  reader.get("on_temp_high", greenhouse.on_temp_high);
  reader.get("on_temp_normal", greenhouse.on_temp_normal);
  reader.get("on_hum_low", greenhouse.on_hum_low);
  reader.get("on_hum_normal", greenhouse.on_hum_normal);
  if (greenhouse.name.empty() || greenhouse.device.empty())
    fail(source, table.source(), "a greenhouse needs a name and a device");
  config.greenhouses.push_back(std::move(greenhouse));
}

void read_rate(TableReader& r, std::string_view key, double& out, std::string_view source,
               const toml::table& table, const std::string& path) {
  r.get(key, out);
  if (out < 0 || out > 1e9)
    fail(source, table.get(key)->source(),
         "'" + path + std::string(key) + "' must be a number from 0 (no limit) to 1e9");
}

void read_limits(const toml::table& table, std::string_view source, HubLimits& l) {
  TableReader top(table, source, "limits.");
  if (const toml::table* http = top.table("http")) {
    const std::string path = "limits.http.";
    TableReader r(*http, source, path);
    r.get("max_connections", l.http_max_connections);
    r.get("max_connections_per_address", l.http_max_connections_per_address);
    r.get("header_timeout", l.header_timeout);
    r.get("request_timeout", l.request_timeout);
    r.get("max_header_bytes", l.max_header_bytes);
    r.get("max_header_count", l.max_header_count);
    r.get("max_url_length", l.max_url_length);
    r.get("max_http_buffer_size", l.max_http_buffer_size);
    r.get("connect_timeout", l.connect_timeout);
    r.get("upgrade_timeout", l.upgrade_timeout);
    read_rate(r, "events_per_second", l.events_per_second, source, *http, path);
    read_rate(r, "event_burst", l.event_burst, source, *http, path);
    auto positive = [&](std::string_view key, int64_t value) {
      if (value < 1)
        fail(source, http->get(key) ? http->get(key)->source() : http->source(),
             "'" + path + std::string(key) + "' must be 1 or more");
    };
    positive("max_header_bytes", l.max_header_bytes);
    positive("max_header_count", l.max_header_count);
    positive("max_url_length", l.max_url_length);
    positive("max_http_buffer_size", l.max_http_buffer_size);
    if (l.request_timeout.count() <= 0 || l.connect_timeout.count() <= 0 ||
        l.upgrade_timeout.count() <= 0)
      fail(source, http->source(),
           "'limits.http' request_timeout, connect_timeout and upgrade_timeout must be above 0");
  }
  if (const toml::table* devices = top.table("devices")) {
    const std::string path = "limits.devices.";
    TableReader r(*devices, source, path);
    r.get("max_connections", l.device_max_connections);
    r.get("max_connections_per_address", l.device_max_connections_per_address);
    r.get("max_line_length", l.device_max_line_length);
    read_rate(r, "lines_per_second", l.device_lines_per_second, source, *devices, path);
    read_rate(r, "line_burst", l.device_line_burst, source, *devices, path);
    r.get("max_devices", l.max_devices);
    read_rate(r, "new_devices_per_minute", l.new_devices_per_minute, source, *devices, path);
    read_rate(r, "new_device_burst", l.new_device_burst, source, *devices, path);
    if (l.device_max_line_length < 1)
      fail(source, devices->source(), "'limits.devices.max_line_length' must be 1 or more");
  }
  if (const toml::table* chat = top.table("chat")) {
    const std::string path = "limits.chat.";
    TableReader r(*chat, source, path);
    r.get("max_connections", l.chat_max_connections);
    r.get("max_connections_per_address", l.chat_max_connections_per_address);
    r.get("max_line_length", l.chat_max_line_length);
    r.get("name_timeout", l.chat_name_timeout);
    r.get("idle_timeout", l.chat_idle_timeout);
    read_rate(r, "lines_per_second", l.chat_lines_per_second, source, *chat, path);
    read_rate(r, "line_burst", l.chat_line_burst, source, *chat, path);
    if (l.chat_max_line_length < 1)
      fail(source, chat->source(), "'limits.chat.max_line_length' must be 1 or more");
  }
}

void apply(const toml::table& root, std::string_view source, HubConfig& config) {
  TableReader top(root, source, "");
  if (const toml::table* server = top.table("server")) {
    TableReader r(*server, source, "server.");
    r.get("bind", config.bind);
    r.get("http_port", config.http_port);
    r.get("tcp_port", config.tcp_port);
    r.get("udp_port", config.udp_port);
    r.get("chat_port", config.chat_port);
    r.get("data_dir", config.data_dir);
    r.get("log_level", config.log_level);
    r.get("udp_reply", config.udp_reply);
    r.get("fsync", config.fsync);
    r.get("web_dir", config.web_dir);
    if (const toml::array* origins = r.array("cors_origins")) {
      std::vector<std::string> list;
      for (const auto& origin : *origins) {
        auto text = origin.value<std::string>();
        if (!text || text->empty())
          fail(source, origin.source(), "'server.cors_origins' lists origins: [\"https://host\"]");
        list.push_back(*text);
      }
      config.cors_origins = std::move(list);
    }
  }
  if (const toml::table* devices = top.table("devices")) {
    TableReader r(*devices, source, "devices.");
    r.get("idle_timeout", config.device_idle_timeout);
    r.get("dead_peer_timeout", config.dead_peer_timeout);
    r.get("command_ttl", config.command_ttl);
    r.get("udp_offline_intervals", config.udp_offline_intervals);
    r.get("udp_offline_min", config.udp_offline_min);
    r.get("udp_commands", config.udp_commands);
    if (config.udp_offline_intervals < 1)
      fail(source, devices->get("udp_offline_intervals")->source(),
           "'devices.udp_offline_intervals' must be 1 or more");
  }
  if (const toml::table* store = top.table("store")) {
    TableReader r(*store, source, "store.");
    r.get("url", config.store_url);
    // The scheme only: libpq parses the rest when the hub starts (soket serve checks it first).
    const std::string& url = config.store_url;
    if (!url.empty() && !url.starts_with("postgresql://") && !url.starts_with("postgres://"))
      fail(source, store->get("url")->source(),
           "'store.url': it must start with postgresql:// or postgres://");
  }
  if (const toml::table* dashboard = top.table("dashboard")) {
    TableReader r(*dashboard, source, "dashboard.");
    r.get("snapshot_devices", config.snapshot_devices);
    if (config.snapshot_devices < 1)
      fail(source, dashboard->get("snapshot_devices")->source(),
           "'dashboard.snapshot_devices' must be 1 or more");
  }
  if (const toml::table* rules = top.table("rules")) {
    TableReader r(*rules, source, "rules.");
    r.get("override_duration", config.override_duration);
  }
  if (const toml::table* limits = top.table("limits")) read_limits(*limits, source, config.limits);
  if (const toml::table* cluster = top.table("cluster")) {
    TableReader r(*cluster, source, "cluster.");
    r.get("redis", config.redis_url);
    r.get("sharded", config.redis_sharded);
    r.get("adapter", config.redis_adapter);
    r.get("stream_name", config.stream_name);
    r.get("stream_count", config.stream_count);
    r.get("stream_max_len", config.stream_max_len);
    r.get("node_name", config.node_name);
    r.get("node_id", config.node_name);  // the same: the spelling of --node-id
    if (config.redis_adapter != "pubsub" && config.redis_adapter != "streams")
      fail(source, cluster->get("adapter")->source(),
           "'cluster.adapter' must be \"pubsub\" or \"streams\"");
    if (config.stream_name.empty())
      fail(source, cluster->get("stream_name")->source(),
           "'cluster.stream_name' must not be empty");
  }
  if (const toml::table* tls = top.table("tls")) {
    TableReader r(*tls, source, "tls.");
    r.get("cert", config.tls_cert);
    r.get("key", config.tls_key);
    r.get("devices", config.tls_devices);
    r.get("chat", config.tls_chat);
    if (config.tls_cert.empty() != config.tls_key.empty())
      fail(source, tls->source(), "[tls] needs both 'cert' and 'key' (PEM files)");
    if ((config.tls_devices || config.tls_chat) && config.tls_cert.empty())
      fail(source, tls->source(), "[tls] devices/chat need 'cert' and 'key'");
  }
  if (const toml::table* auth = top.table("auth")) {
    TableReader r(*auth, source, "auth.");
    r.get("dashboard_token", config.dashboard_token);
    r.get("api_token", config.api_token);
    r.get("chat_name", config.dashboard_chat_name);
    r.get("link_ttl", config.link_ttl);
    if (auto* name = auth->get("chat_name");
        name && (config.dashboard_chat_name.empty() || config.dashboard_chat_name.size() > 32 ||
                 std::any_of(config.dashboard_chat_name.begin(), config.dashboard_chat_name.end(),
                             [](unsigned char c) { return c < 0x20 || c == 0x7f; })))
      fail(source, name->source(), "'auth.chat_name' must be 1-32 characters, no control ones");
    if (auto* ttl = auth->get("link_ttl"); ttl && config.link_ttl.count() < 1)
      fail(source, ttl->source(), "'auth.link_ttl' must be 1 second or more");
    if (const toml::table* devices = r.table("devices")) {
      for (const auto& [id, token] : *devices) {
        auto value = token.value<std::string>();
        if (!value || value->empty())
          fail(source, token.source(), "device tokens must be non-empty strings");
        config.device_tokens[std::string(id.str())] = *value;
      }
    }
  }
  if (const toml::table* groups = top.table("groups")) {
    for (const auto& [group, members] : *groups) {
      const toml::array* list = members.as_array();
      if (!list) fail(source, members.source(), "a group lists device ids: name = [\"id\", ...]");
      for (const auto& member : *list) {
        auto id = member.value<std::string>();
        if (!id) fail(source, member.source(), "a group lists device ids");
        config.device_groups[*id] = std::string(group.str());
      }
    }
  }
  if (const toml::table* chat = top.table("chat")) {
    TableReader r(*chat, source, "chat.");
    r.get("prompt", config.chat.prompt);
    r.get("joined", config.chat.joined);
    r.get("welcome", config.chat.welcome);
    r.get("left", config.chat.left);
  }
  if (const toml::table* village = top.table("village")) {
    TableReader r(*village, source, "village.");
    if (const toml::array* alleys = r.array("alleys")) {
      for (const auto& alley : *alleys) {
        if (!alley.is_table()) fail(source, alley.source(), "use [[village.alleys]] tables");
        read_alley(*alley.as_table(), source, config);
      }
    }
    if (const toml::array* greenhouses = r.array("greenhouses")) {
      for (const auto& greenhouse : *greenhouses) {
        if (!greenhouse.is_table())
          fail(source, greenhouse.source(), "use [[village.greenhouses]] tables");
        read_greenhouse(*greenhouse.as_table(), source, config);
      }
    }
  }
}

}  // namespace

std::optional<int> parse_clock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1; };
  int h1 = digit(0), h2 = digit(1), m1 = digit(3), m2 = digit(4);
  if (h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0) return std::nullopt;
  int hours = h1 * 10 + h2, minutes = m1 * 10 + m2;
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

void load_config_text(std::string_view text, HubConfig& config, std::string_view source) {
  toml::table table;
  try {
    table = toml::parse(text, source);
  } catch (const toml::parse_error& error) {
    fail(source, error.source(), std::string(error.description()));
  }
  apply(table, source, config);
}

void apply_limit_flag(std::string_view flag, HubConfig& config) {
  auto dot = flag.find('.');
  auto equals = flag.find('=');
  if (dot == std::string_view::npos || equals == std::string_view::npos || dot > equals ||
      dot == 0 || equals == dot + 1 || equals + 1 == flag.size())
    throw std::runtime_error("--limit " + std::string(flag) +
                             ": expected SECTION.KEY=VALUE, e.g. http.header_timeout=5");
  auto section = flag.substr(0, dot);
  auto key = flag.substr(dot + 1, equals - dot - 1);
  auto value = flag.substr(equals + 1);
  auto plain = [](std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
  };
  auto number = [](std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
      return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == '_';
    });
  };
  if (!plain(section) || !plain(key) || !number(value))
    throw std::runtime_error("--limit " + std::string(flag) +
                             ": SECTION and KEY are lower-case names, VALUE a number");
  std::string text = "[limits." + std::string(section) + "]\n" + std::string(key) + " = " +
                     std::string(value) + "\n";
  load_config_text(text, config, "--limit " + std::string(flag));
}

void load_config_file(const std::filesystem::path& path, HubConfig& config) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read config file " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  load_config_text(buffer.str(), config, path.string());
}

}  // namespace soket::hub
