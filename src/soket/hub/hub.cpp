#include "soket/hub/hub.hpp"

#include <boost/asio/read_until.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "soket/net/endpoint.hpp"
#include "soket/util/log.hpp"

namespace soket::hub {

namespace {

// History pages, CSV exports and chart history: two at a time, off the io thread (two cores are
// the small machines the hub runs on; more would only slow the io thread down).
constexpr std::size_t kQueryThreads = 2;

std::string_view without_name_prefix(std::string_view text, std::string_view name) {
  if (text.size() <= name.size() + 1 || !text.starts_with(name) || text[name.size()] != ':')
    return text;
  std::string_view rest = text.substr(name.size() + 1);
  while (!rest.empty() && rest.front() == ' ')
    rest.remove_prefix(1);
  return rest.empty() ? text : rest;
}

}  // namespace

Hub::Hub(net::asio::io_context& io, HubConfig config)
    : io_(io),
      config_(std::move(config)),
      rules_(config_),
      clock_timer_(io),
      udp_sweep_timer_(io),
      override_timer_(io) {}

Hub::~Hub() {
  *alive_ = false;
  stop();
}

void Hub::start() {
  started_ms_ = store::now_ms();
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec)
    throw std::runtime_error("cannot create data directory " + config_.data_dir.string() + ": " +
                             ec.message());
  store::StoreOptions store_options;
  store_options.path = config_.data_dir / "soket.db";
  store_options.url = config_.store_url;
  store_options.sync = config_.fsync ? store::SyncMode::full : store::SyncMode::normal;
  try {
    store_ = std::make_unique<store::Store>(store_options);
  } catch (const std::exception& e) {
    std::string where = store_options.url.empty() ? store_options.path.string()
                                                  : store::redact_url(store_options.url);
    throw std::runtime_error("cannot open the database " + where + ": " + e.what());
  }
  query_reader_ = std::make_unique<store::Reader>(store_options);
  queries_ = std::make_unique<QueryPool>(io_, kQueryThreads);
  // Alone: every device is offline until it connects. In a cluster only this node's own (left
  // from before a crash); the others' devices stay as their nodes recorded them.
  (void)store_->writer().submit(store::MarkAllOffline{.node = store_node()});
  registry_.set_udp_commands(config_.udp_commands);
  auto stored_devices = store_->reader().devices();
  registry_.load(stored_devices, store_->reader().latest_values());
  // Online on their nodes; the leader checks that those nodes are alive.
  if (clustered()) refresh_remote_devices(stored_devices);
  // The alleys' state from their sensors' latest stored light: a lamp that connects right after a
  // restart gets it too (nothing is sent now; the lamps are offline).
  for (const auto& alley : config_.alleys) {
    const LiveDevice* sensor = registry_.find(alley.light_sensor);
    if (!sensor) continue;
    if (auto light = sensor->latest.find("light"); light != sensor->latest.end())
      (void)rules_.on_reading(alley.light_sensor, {{"light", light->second}});
  }
  // A UDP sender keeps the name its HELLO gave it across a restart: its last address is stored.
  std::map<std::string, int64_t> udp_seen;
  registry_.for_each([&](const LiveDevice& d) {
    if (d.transport != "udp" || d.address.empty()) return;
    auto [it, added] = udp_seen.try_emplace(d.address, d.last_seen);
    if (added || d.last_seen >= it->second) {
      it->second = d.last_seen;
      udp_device_[d.address] = d.id;
    }
  });

  auto endpoint = [&](uint16_t port) {
    auto e = net::make_endpoint(config_.bind, port);
    if (!e) throw std::runtime_error("--bind must be an IP address, not '" + config_.bind + "'");
    return *e;
  };
  auto bind = [&](const char* what, uint16_t port, auto&& fn) {
    try {
      return fn(endpoint(port));
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error(std::string("cannot listen for ") + what + " on " + config_.bind +
                               ":" + std::to_string(port) + ": " + e.code().message());
    }
  };

  if (!config_.tls_cert.empty() || !config_.tls_key.empty())
    tls_ = net::TlsContext::load({config_.tls_cert, config_.tls_key});

  // Socket.IO and HTTP.
  const HubLimits& limits = config_.limits;
  http::ServerOptions http_options;
  http_options.connection_limits = {
      static_cast<std::size_t>(limits.http_max_connections),
      static_cast<std::size_t>(limits.http_max_connections_per_address)};
  http_options.header_timeout = limits.header_timeout;
  http_options.request_timeout = limits.request_timeout;
  http_options.header_limit = static_cast<std::size_t>(limits.max_header_bytes);
  http_options.max_header_count = static_cast<std::size_t>(limits.max_header_count);
  http_options.max_url_length = static_cast<std::size_t>(limits.max_url_length);
  http_ = http::Server::create(io_, http_options);
  socketio::ServerOptions sio;
  sio.engine.max_payload = static_cast<std::size_t>(limits.max_http_buffer_size);
  sio.engine.upgrade_timeout = limits.upgrade_timeout;
  sio.connect_timeout = limits.connect_timeout;
  sio.events_per_second = limits.events_per_second;
  sio.event_burst = limits.event_burst;
  // Browsers on other origins: as configured; else any while the hub is open (the course's pages
  // are opened from files and other ports), and same-origin only once a token closes it.
  if (config_.cors_origins) {
    sio.engine.cors.enabled = !config_.cors_origins->empty();
    sio.engine.cors.origins = *config_.cors_origins;
  } else {
    sio.engine.cors.enabled = !access_.dashboard_locked() && !access_.api_locked();
    sio.engine.cors.origins = {"*"};
  }
  if (!config_.redis_url.empty()) {
    std::string error;
    auto url = cluster::RedisUrl::parse(config_.redis_url, &error);
    if (!url) throw std::runtime_error("cluster.redis: " + error);
    cluster::RedisAdapterOptions redis_options;
    redis_options.sharded = config_.redis_sharded;
    if (config_.redis_adapter == "streams") redis_options.kind = cluster::RedisAdapterKind::streams;
    redis_options.stream.stream = config_.stream_name;
    redis_options.stream_count = config_.stream_count;
    redis_options.stream_max_len = config_.stream_max_len;
    redis_ = cluster::RedisLink::create(io_, *url, redis_options);
    redis_->start();
    sio.adapter = redis_->adapter_factory();
    start_cluster(*url);
    spdlog::info("cluster: Socket.IO shared through {} ({}) as node {}", url->to_string_redacted(),
                 config_.redis_adapter, node_name());
  }
  io_server_ = std::make_unique<socketio::Server>(io_, sio);
  setup_course_namespace();
  setup_dashboard_namespace();
  io_server_->attach(*http_);
  setup_rest();

  // Device gateway.
  gateway::DeviceServerOptions device_options;
  device_options.line.idle_gap = config_.idle_gap;
  device_options.line.idle_timeout = config_.device_idle_timeout;
  device_options.line.keep_alive = gateway::KeepAliveOptions::within(config_.dead_peer_timeout);
  device_options.line.max_line_length = static_cast<std::size_t>(limits.device_max_line_length);
  device_options.line.lines_per_second = limits.device_lines_per_second;
  device_options.line.line_burst = limits.device_line_burst;
  device_options.max_connections = static_cast<std::size_t>(limits.device_max_connections);
  device_options.max_connections_per_address =
      static_cast<std::size_t>(limits.device_max_connections_per_address);
  devices_ = std::make_unique<gateway::DeviceServer>(
      io_, device_options,
      gateway::DeviceServer::Handlers{
          .on_open = {},
          .on_message = [this](const auto& conn, const auto& m) { on_device_message(conn, m); },
          .on_error = {},
          .on_invalid =
              [this](const auto& conn, std::string_view reason) {
                ++counters_.errors;
                reply_in_order(Reply{this, conn, {}}, "ERR " + std::string(reason));
              },
          .on_close = [this](const auto& conn, gateway::CloseReason) { on_device_close(conn); }});
  udp_ = std::make_unique<gateway::UdpReceiver>(
      io_,
      gateway::UdpReceiverOptions{.replies = config_.udp_reply,
                                  .lines_per_second = limits.device_lines_per_second,
                                  .line_burst = limits.device_line_burst},
      gateway::UdpReceiver::Handlers{
          .on_datagram = [this](const auto& sender, const auto& m,
                                const auto& reply) { on_datagram(sender, m, reply); },
          .on_error = [this](const auto&, std::string_view) { ++counters_.errors; }});

  // TCP chat, bridged to /chat.
  gateway::ChatServerOptions chat_options;
  chat_options.text.prompt = config_.chat.prompt;
  chat_options.text.joined = config_.chat.joined;
  chat_options.text.welcome = config_.chat.welcome;
  chat_options.text.left = config_.chat.left;
  chat_options.max_connections = static_cast<std::size_t>(limits.chat_max_connections);
  chat_options.max_connections_per_address =
      static_cast<std::size_t>(limits.chat_max_connections_per_address);
  chat_options.name_timeout = limits.chat_name_timeout;
  chat_options.line.max_line_length = static_cast<std::size_t>(limits.chat_max_line_length);
  chat_options.line.idle_timeout = limits.chat_idle_timeout;
  chat_options.line.lines_per_second = limits.chat_lines_per_second;
  chat_options.line.line_burst = limits.chat_line_burst;
  chat_ = std::make_unique<gateway::ChatServer>(
      io_, chat_options,
      gateway::ChatServer::Handlers{
          .on_join =
              [this](const gateway::ChatUser& user) {
                io_server_->of("/chat").emit("system", chat_->templates().joined_text(user.name));
                relay_chat_line(chat_->templates().joined_text(user.name));
              },
          .on_message =
              [this](const gateway::ChatUser& user, std::string_view text) {
                ++counters_.chat_in;
                std::string line(text);  // as this node's TCP users saw it
                // The course's client sends "<name>: <text>"; the web side shows the name on its
                // own, so it is stored and relayed once, not as "rizky" + "rizky: halo".
                text = without_name_prefix(text, user.name);
                int64_t now = store::now_ms();
                (void)store_->writer().submit(store::InsertChat{.ts = now,
                                                                .user = user.name,
                                                                .text = std::string(text),
                                                                .origin = store::ChatOrigin::tcp});
                io_server_->of("/chat").emit(
                    "message",
                    boost::json::object{
                        {"ts", now}, {"user", user.name}, {"text", text}, {"origin", "tcp"}});
                // After the /chat event: the other nodes' web users get it first, as the TCP
                // users (two Redis connections, so it is likely, not certain).
                relay_chat_line(line);
              },
          .on_leave =
              [this](const gateway::ChatUser& user) {
                io_server_->of("/chat").emit("system", chat_->templates().left_text(user.name));
                relay_chat_line(chat_->templates().left_text(user.name));
              }});
  setup_chat_namespace();

  http_port_ =
      bind("HTTP", config_.http_port, [&](auto e) { return http_->listen(e, {}, tls_).port(); });
  tcp_port_ = bind("devices (TCP)", config_.tcp_port, [&](auto e) {
    devices_->listen(e, config_.tls_devices ? tls_ : nullptr);
    devices_->start();
    return devices_->port();
  });
  udp_port_ = bind("devices (UDP)", config_.udp_port, [&](auto e) {
    udp_->bind(net::udp::endpoint(e.address(), e.port()));
    udp_->start();
    return udp_->port();
  });
  chat_port_ = bind("chat", config_.chat_port, [&](auto e) {
    chat_->listen(e, config_.tls_chat ? tls_ : nullptr);
    chat_->start();
    return chat_->port();
  });
  schedule_clock();
  schedule_udp_sweep();
  // In a cluster the time of day is first evaluated once this node knows if it leads.
  if (!cluster_) {
    clock_started_ = true;
    run_actions(rules_.on_clock([] {
      std::time_t t = std::time(nullptr);
      std::tm local{};
      localtime_r(&t, &local);
      return local.tm_hour * 60 + local.tm_min;
    }()));
  }
}

void Hub::reload_tls() {
  if (!tls_) throw std::logic_error("TLS is off");
  tls_->reload();
}

void Hub::stop() {
  if (stopped_ || !store_) return;
  stopped_ = true;
  clock_timer_.cancel();
  udp_sweep_timer_.cancel();
  override_timer_.cancel();
  if (stdin_) {
    net::error_code ignored;
    stdin_->cancel(ignored);
    stdin_->close(ignored);
  }
  if (http_) http_->stop();
  if (io_server_) io_server_->close();
  if (cluster_) cluster_->stop();
  if (redis_) redis_->stop();
  if (devices_) devices_->stop();
  if (udp_) udp_->stop();
  if (chat_) chat_->stop();
  if (queries_) queries_->stop();
  // Everything accepted is committed before the process goes (their OKs were posted and are
  // dropped with the loop: the devices will resend what they did not see acknowledged).
  store_->stop();
}

void Hub::read_commands_from_stdin() {
  // A terminal, a pipe or a socket: `soket serve < commands-fifo`, `tail -f cmds | soket serve`.
  // Not a regular file or /dev/null (epoll cannot watch those; nothing would come anyway).
  struct stat st {};
  if (::fstat(STDIN_FILENO, &st) != 0) return;
  if (!::isatty(STDIN_FILENO) && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)) return;
  int fd = ::dup(STDIN_FILENO);
  if (fd < 0) return;
  try {
    stdin_ = std::make_unique<net::asio::posix::stream_descriptor>(io_, fd);
  } catch (const boost::system::system_error& e) {
    ::close(fd);
    spdlog::warn("typed commands are off: cannot watch standard input ({})", e.code().message());
    return;
  }
  std::printf("Type a command for every device (led-on), or @<device-id> <command>.\n");
  std::fflush(stdout);
  read_stdin_line();
}

void Hub::read_stdin_line() {
  net::asio::async_read_until(
      *stdin_, stdin_buffer_, '\n', [this](net::error_code ec, std::size_t n) {
        if (ec || stopped_) return;
        std::string line(
            net::asio::buffers_begin(stdin_buffer_.data()),
            net::asio::buffers_begin(stdin_buffer_.data()) + static_cast<std::ptrdiff_t>(n));
        stdin_buffer_.consume(n);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' '))
          line.pop_back();
        std::string target = "*", command = line;
        if (line.starts_with("@")) {
          auto space = line.find(' ');
          target = line.substr(1, space == std::string::npos ? std::string::npos : space - 1);
          command = space == std::string::npos ? "" : line.substr(space + 1);
        }
        if (!command.empty()) {
          send_command(
              target, command, store::CommandSource::standard_input, [](boost::json::object r) {
                if (!r["ok"].as_bool()) {
                  std::printf("error: %s\n", std::string(r["error"].as_string()).c_str());
                } else {
                  std::printf("%zu command(s) sent or queued\n", r["commands"].as_array().size());
                }
                std::fflush(stdout);
              });
        }
        read_stdin_line();
      });
}

}  // namespace soket::hub
