#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>

#include "commands.hpp"
#include "soket/hub/hub.hpp"
#include "soket/simulator/simulator.hpp"
#include "soket/util/log.hpp"

namespace soket::cli {

Runner add_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve",
                                 "Run the server: Socket.IO + dashboard over HTTP, the "
                                 "device gateway (TCP and UDP) and the TCP chat");
  struct Options {
    hub::HubConfig config;
    std::string config_file;
    std::string debug_layers;
    bool simulate = false;
    int64_t device_idle_timeout = 0;
    int64_t dead_peer_timeout = 0;
    int64_t command_ttl = 0;
    double simulate_time_scale = 120;
    std::vector<std::string> limits;
  };
  auto options = std::make_shared<Options>();
  auto& c = options->config;
  // Flags override the file, so remember which were given.
  auto* http =
      cmd->add_option("--http-port", c.http_port, "HTTP port: Socket.IO, dashboard, REST API")
          ->capture_default_str();
  auto* tcp = cmd->add_option("--tcp-port", c.tcp_port, "TCP port of the device gateway")
                  ->capture_default_str();
  auto* udp = cmd->add_option("--udp-port", c.udp_port, "UDP port for device telemetry")
                  ->capture_default_str();
  auto* chat = cmd->add_option("--chat-port", c.chat_port, "TCP port of the course's chat")
                   ->capture_default_str();
  auto* data = cmd->add_option("--data-dir", c.data_dir, "Where the SQLite database lives")
                   ->capture_default_str();
  auto* bind = cmd->add_option("--bind", c.bind, "Address to listen on (0.0.0.0: every interface)")
                   ->capture_default_str();
  auto* log = cmd->add_option("--log-level", c.log_level, "trace, debug, info, warn, error or off")
                  ->capture_default_str();
  auto* web =
      cmd->add_option("--web-dir", c.web_dir,
                      "Serve the dashboard from this directory instead of the built-in copy");
  auto* device_idle =
      cmd->add_option("--device-idle-timeout", options->device_idle_timeout,
                      "Seconds after which a TCP device from which nothing is heard (no line, not "
                      "even a TCP ack of a keep-alive probe) is disconnected; 0: never ([devices] "
                      "idle_timeout, default 300)");
  auto* dead_peer =
      cmd->add_option("--dead-peer-timeout", options->dead_peer_timeout,
                      "Seconds within which a TCP device that vanished without closing (power "
                      "cut, Wi-Fi gone) is dropped and shown offline; 0: no keep-alive ([devices] "
                      "dead_peer_timeout, default 25)");
  auto* command_ttl = cmd->add_option(
      "--command-ttl", options->command_ttl,
      "Seconds for which a command left unanswered by a device whose connection ended is written "
      "again when it comes back (at least once); 0: never twice ([devices] command_ttl, default "
      "600)");
  cmd->add_option("--limit", options->limits,
                  "Set a limit against abuse, as the key of [limits.SECTION] in the TOML file "
                  "(repeatable; wins over the file): SECTION.KEY=VALUE, e.g. "
                  "http.max_connections_per_address=100, http.header_timeout=5, "
                  "devices.lines_per_second=20, chat.name_timeout=30 (docs/limits.md)");
  cmd->add_option("--config", options->config_file,
                  "A soket.toml with settings, auth tokens, groups and village rules");
  auto* redis = cmd->add_option("--redis", c.redis_url,
                                "Share Socket.IO with other nodes through Redis, e.g. "
                                "redis://127.0.0.1:6379 ([cluster] redis)");
  auto* adapter = cmd->add_option("--redis-adapter", c.redis_adapter,
                                  "pubsub (@socket.io/redis-adapter) or streams "
                                  "(@socket.io/redis-streams-adapter) ([cluster] adapter)")
                      ->check(CLI::IsMember({"pubsub", "streams"}));
  auto* node = cmd->add_option("--node-id,--node-name", c.node_name,
                               "This node's name in a cluster, unique per node: its devices are "
                               "recorded under it (default: node-<http port>; [cluster] node_id)");
  auto* tls_cert = cmd->add_option("--tls-cert", c.tls_cert,
                                   "Serve https:// and wss:// with this PEM certificate (chain); "
                                   "needs --tls-key; SIGHUP reloads it ([tls] cert)");
  auto* tls_key = cmd->add_option("--tls-key", c.tls_key, "The PEM private key ([tls] key)");
  auto* tls_devices = cmd->add_flag("--tls-devices", c.tls_devices,
                                    "The device TCP port speaks TLS too ([tls] devices)");
  auto* tls_chat =
      cmd->add_flag("--tls-chat", c.tls_chat, "The chat TCP port speaks TLS too ([tls] chat)");
  cmd->add_option("--debug", options->debug_layers,
                  "Write the debug lines of these library layers: comma-separated http, engineio, "
                  "socketio, cluster, or all (also the SOKET_DEBUG environment variable)");
  cmd->add_flag("--simulate", options->simulate,
                "Also run the simulated village (soket simulate) against this server; its devices "
                "use the [auth.devices] \"*\" token when devices need one");
  cmd->add_option("--simulate-time-scale", options->simulate_time_scale,
                  "With --simulate: simulated seconds per real second (120: a day in 12 minutes)")
      ->check(CLI::Range(0.001, 100000.0))
      ->capture_default_str();

  device_idle->check(CLI::Range(int64_t{0}, int64_t{365} * 24 * 3600));
  dead_peer->check(CLI::Range(int64_t{0}, int64_t{365} * 24 * 3600));
  command_ttl->check(CLI::Range(int64_t{0}, int64_t{365} * 24 * 3600));
  return [options, http, tcp, udp, chat, data, bind, log, web, redis, adapter, node, device_idle,
          dead_peer, command_ttl, tls_cert, tls_key, tls_devices, tls_chat]() -> int {
    hub::HubConfig config;
    if (!options->config_file.empty()) hub::load_config_file(options->config_file, config);
    const auto& flags = options->config;
    if (http->count()) config.http_port = flags.http_port;
    if (tcp->count()) config.tcp_port = flags.tcp_port;
    if (udp->count()) config.udp_port = flags.udp_port;
    if (chat->count()) config.chat_port = flags.chat_port;
    if (data->count()) config.data_dir = flags.data_dir;
    if (bind->count()) config.bind = flags.bind;
    if (log->count()) config.log_level = flags.log_level;
    if (web->count()) config.web_dir = flags.web_dir;
    if (redis->count()) config.redis_url = flags.redis_url;
    if (adapter->count()) config.redis_adapter = flags.redis_adapter;
    if (node->count()) config.node_name = flags.node_name;
    if (device_idle->count())
      config.device_idle_timeout = std::chrono::seconds(options->device_idle_timeout);
    if (dead_peer->count())
      config.dead_peer_timeout = std::chrono::seconds(options->dead_peer_timeout);
    if (command_ttl->count()) config.command_ttl = std::chrono::seconds(options->command_ttl);
    if (tls_cert->count()) config.tls_cert = flags.tls_cert;
    if (tls_key->count()) config.tls_key = flags.tls_key;
    if (tls_devices->count()) config.tls_devices = flags.tls_devices;
    if (tls_chat->count()) config.tls_chat = flags.tls_chat;
    for (const auto& limit : options->limits)
      hub::apply_limit_flag(limit, config);
    if (config.tls_cert.empty() != config.tls_key.empty())
      throw std::runtime_error("TLS needs both a certificate and a key (--tls-cert and --tls-key)");
    if ((config.tls_devices || config.tls_chat) && config.tls_cert.empty())
      throw std::runtime_error("--tls-devices and --tls-chat need --tls-cert and --tls-key");
    if (!log::init(config.log_level))
      throw std::runtime_error("unknown log level " + config.log_level);
    if (!log::enable_debug(options->debug_layers))
      throw std::runtime_error("--debug: unknown layer in \"" + options->debug_layers +
                               "\" (known: " + log::known_layers() + ")");

    net::asio::io_context io(1);
    hub::Hub hub(io, config);
    hub.start();
    std::string host = config.bind == "0.0.0.0" ? "127.0.0.1" : config.bind;
    const char* scheme = hub.tls() ? "https" : "http";
    std::printf("listening on %s://%s:%u\n", scheme, host.c_str(),
                static_cast<unsigned>(hub.http_port()));
    std::printf("  dashboard   %s://%s:%u/\n", scheme, host.c_str(),
                static_cast<unsigned>(hub.http_port()));
    std::printf("  devices     %s %u, udp %u   chat   %s %u   data   %s\n",
                config.tls_devices ? "tls" : "tcp", static_cast<unsigned>(hub.tcp_port()),
                static_cast<unsigned>(hub.udp_port()), config.tls_chat ? "tls" : "tcp",
                static_cast<unsigned>(hub.chat_port()), (config.data_dir / "soket.db").c_str());
    std::fflush(stdout);
    hub.read_commands_from_stdin();

    std::unique_ptr<simulator::Simulator> village;
    if (options->simulate) {
      simulator::SimulatorOptions sim;
      sim.host = host;
      sim.tcp_port = hub.tcp_port();
      sim.udp_port = hub.udp_port();
      sim.time_scale = options->simulate_time_scale;
      if (!config.device_tokens.empty()) {
        // The simulated devices share one token: the catch-all one.
        if (auto it = config.device_tokens.find("*"); it != config.device_tokens.end()) {
          sim.token = it->second;
        } else {
          spdlog::warn(
              "--simulate: devices need tokens but [auth.devices] has no \"*\" token; the "
              "simulated devices will be refused");
        }
      }
      if (auto problem = simulator::validate_options(sim); !problem.empty())
        throw std::runtime_error("--simulate: " + problem);
      village = std::make_unique<simulator::Simulator>(io, sim);
      village->start();
      std::printf("  simulating  %zu devices (a day lasts %.0f minutes)\n",
                  village->devices().size(), 24 * 60 / sim.time_scale);
      std::fflush(stdout);
    }
    // SIGHUP: read the TLS certificate and key again (a renewed certificate, no restart).
    net::asio::signal_set hangup(io, SIGHUP);
    std::function<void()> wait_hangup = [&] {
      hangup.async_wait([&](net::error_code ec, int) {
        if (ec) return;
        if (hub.tls()) {
          try {
            hub.reload_tls();
            spdlog::info("TLS certificate reloaded from {}", config.tls_cert);
          } catch (const net::TlsError& e) {
            spdlog::error("TLS certificate not reloaded, the previous one stays: {}", e.what());
          }
        }
        wait_hangup();
      });
    };
    wait_hangup();
    return run_until_signal(io, [&] {
      spdlog::info("stopping: closing connections and committing pending writes");
      if (village) village->stop();
      hub.stop();
    });
  };
}

}  // namespace soket::cli
