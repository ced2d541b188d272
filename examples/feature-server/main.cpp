// A small app that uses the whole API the way the course does: events, acks, rooms, broadcast,
// binary, namespaces and auth middleware. Run it and point any socket.io client at it.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <stdexcept>

#include "../common/example_main.hpp"
#include "api_events.hpp"
#include "cluster_events.hpp"
#include "engine_options.hpp"
#include "limit_options.hpp"
#include "soket/admin/instrument.hpp"
#include "soket/admin/ui_files.hpp"
#include "soket/cluster/redis_link.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"

using namespace soket::socketio;

namespace {

void echo(Socket&, Message& message, Ack& ack) {
  ack(std::move(message));
}

void setup_main(Server& io) {
  io.on_connection([&io](Socket& socket) {
    socket.emit("welcome_message", "Welcome to the WebSocket server!");
    socket.on("message", [&io](Socket&, Message& message, Ack&) {
      io.main().emit_message("message", std::move(message));
    });
    socket.on("pesan", [&io](Socket&, Message& message, Ack&) {
      io.main().emit_message("pesan", std::move(message));
    });
    socket.on("echo", echo);
    socket.on("never-ack", [](Socket&, Message&, Ack&) {});
    socket.on("join", [](Socket& s, Message& message, Ack& ack) {
      std::string room(message.string_at(0));
      s.join(room);
      boost::json::object reply{{"joined", room}};
      ack.send(reply);
    });
    socket.on("leave", [](Socket& s, Message& message, Ack& ack) {
      std::string room(message.string_at(0));
      s.leave(room);
      boost::json::object reply{{"left", room}};
      ack.send(reply);
    });
    socket.on("to-room", [&io](Socket&, Message& message, Ack&) {
      std::string room(message.string_at(0));
      if (room.empty()) return;
      message.args.erase(message.args.begin());  // the rest is the payload
      io.to(room).emit_message("room-message", std::move(message));
    });
    socket.on("broadcast", [](Socket& s, Message& message, Ack&) {
      s.broadcast().emit_message("broadcast", std::move(message));
    });
    socket.on("binary", [](Socket& s, Message& message, Ack& ack) {
      s.emit_message("binary-back", message);  // placeholders and attachments travel as they came
      ack(std::move(message));
    });
    // compress(false): the same packet, never compressed (no RSV1, no gzip of its poll).
    socket.on("uncompressed", [](Socket& s, Message& message, Ack&) {
      s.compress(false).emit_message("uncompressed", std::move(message));
    });
    socket.on("uncompressed-broadcast", [&io](Socket&, Message& message, Ack&) {
      io.compress(false).emit_message("uncompressed-broadcast", std::move(message));
    });
    // socket.data, which connection state recovery gives back.
    socket.on("set-data", [](Socket& s, Message& message, Ack& ack) {
      if (!message.args.empty() && message.args[0].is_object())
        s.data() = message.args[0].as_object();
      ack.send(s.data());
    });
    socket.on("get-data", [](Socket& s, Message&, Ack& ack) { ack.send(s.data()); });
    socket.on("kick", [](Socket& s, Message&, Ack&) { s.disconnect(true); });
    // Server -> client ack: ask the client `question` (with the given payload), wait up to the
    // given milliseconds, and ack the caller with the client's answer or the timeout error.
    socket.on("ask-me", [](Socket& s, Message& message, Ack& ack) {
      auto timeout = message.args.size() > 1 && message.args[1].is_int64()
                         ? std::chrono::milliseconds(message.args[1].as_int64())
                         : std::chrono::milliseconds(2000);
      s.emit_with_ack(
          "question", make_message(message.args.empty() ? boost::json::value() : message.args[0]),
          // An AckCallback, so this is the callback overload and not the completion-token one.
          AckCallback([ack](std::optional<std::string> error, Message& reply) mutable {
            if (error) return ack.send(boost::json::object{{"error", *error}});
            ack.send(boost::json::object{{"answer", reply.args}});
          }),
          timeout);
    });
  });
}

void setup_chat(Server& io) {
  Namespace& chat = io.of("/chat");
  chat.on_connection([&chat](Socket& socket) {
    socket.emit("welcome_message", "Welcome to the chat namespace!");
    socket.on("message", [&chat](Socket&, Message& message, Ack&) {
      chat.emit_message("message", std::move(message));
    });
    socket.on("echo", echo);
  });
}

void setup_secure(Server& io) {
  Namespace& secure = io.of("/secure");
  secure.use([](Socket& socket, Next next) {
    auto it = socket.auth().find("token");
    if (it != socket.auth().end() && it->value() == "soket-secret-token") return next(std::nullopt);
    next(ConnectError{"authentication error", nullptr});
  });
  secure.on_connection([](Socket& socket) {
    socket.emit("authed", boost::json::object{{"ok", true}});
    socket.on("echo", echo);
  });
}

}  // namespace

int main(int argc, char** argv) {
  soket::net::asio::io_context context(1);  // outlives everything below
  std::shared_ptr<soket::cluster::RedisLink> redis;
  std::unique_ptr<Server> io;
  CLI::App* app = nullptr;
  std::string redis_url;
  std::string node_name;
  bool allow_eio3 = false;
  soket::cluster::RedisAdapterOptions redis_options;
  std::string redis_adapter = "pubsub";
  int64_t requests_timeout_ms = redis_options.requests_timeout.count();
  bool per_message_deflate = false;
  bool no_http_compression = false;
  int64_t recovery_ms = 0;
  bool recovery_runs_middlewares = false;
  bool admin = false;
  soket::admin::BasicAuth admin_auth;
  bool admin_readonly = false;
  std::string admin_ui_dir = SOKET_ADMIN_UI_DIST;
  Parser parser = Parser::json;
  soket::examples::EngineSwitches engine_switches;
  soket::engineio::ServerOptions engine_defaults;
  int64_t ping_interval_ms = engine_defaults.ping_interval.count();
  int64_t ping_timeout_ms = engine_defaults.ping_timeout.count();
  std::size_t max_buffered_bytes = engine_defaults.max_buffered_bytes;
  bool log_disconnects = false;
  soket::examples::LimitSwitches limit_switches;
  auto add_options = [&](CLI::App& cli) {
    app = &cli;
    soket::examples::add_engine_options(cli, engine_switches);
    soket::examples::add_limit_options(cli, limit_switches);
    cli.add_flag("--per-message-deflate", per_message_deflate,
                 "Compress WebSocket messages from 1 KiB (RFC 7692) when the client offers it");
    cli.add_flag("--no-http-compression", no_http_compression,
                 "Never gzip/deflate long-polling responses (on by default from 1 KiB, as "
                 "httpCompression)");
    cli.add_option("--redis", redis_url,
                   "Join a cluster through Redis, e.g. redis://127.0.0.1:6379 (the protocol of "
                   "@socket.io/redis-adapter)");
    cli.add_flag("--sharded", redis_options.sharded,
                 "Use Redis 7 sharded pub/sub (as createShardedAdapter)");
    cli.add_option("--redis-key", redis_options.key, "Prefix of the Redis channels")
        ->capture_default_str();
    cli.add_option("--redis-adapter", redis_adapter,
                   "pubsub: @socket.io/redis-adapter; streams: @socket.io/redis-streams-adapter "
                   "(a Redis stream; --sharded then means useShardedPubSub)")
        ->capture_default_str()
        ->check(CLI::IsMember({"pubsub", "streams"}));
    cli.add_option("--stream-name", redis_options.stream.stream,
                   "The Redis stream of the streams adapter")
        ->capture_default_str();
    cli.add_option("--stream-max-len", redis_options.stream_max_len,
                   "About how many entries the stream keeps (XADD MAXLEN ~)")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
    cli.add_option("--stream-count", redis_options.stream_count,
                   "Streams adapter: spread the namespaces over this many streams "
                   "(<stream-name>-<i>, streamCount)")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
    cli.add_option("--session-key-prefix", redis_options.session_key_prefix,
                   "Streams adapter with --recovery-ms: the Redis key prefix of lost sessions")
        ->capture_default_str();
    cli.add_option("--requests-timeout", requests_timeout_ms,
                   "Milliseconds to wait for the other nodes' answers")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{600000}));
    cli.add_option("--node-name", node_name, "This node's name (default: node-<port>)");
    cli.add_option("--recovery-ms", recovery_ms,
                   "Turn connection state recovery on, keeping sessions this many milliseconds")
        ->check(CLI::Range(int64_t{1}, int64_t{86400000}));
    cli.add_flag("--recovery-runs-middlewares", recovery_runs_middlewares,
                 "Run the middlewares again for a recovered socket (skipMiddlewares: false)");
    cli.add_flag("--admin", admin,
                 "Serve the Socket.IO admin UI at /admin/ and its namespace /admin (no login "
                 "unless --admin-user is given)");
    cli.add_option("--admin-user", admin_auth.username, "The admin UI's user name");
    cli.add_option("--admin-password-hash", admin_auth.password_hash,
                   "The bcrypt hash of the admin UI's password ($2b$...)");
    cli.add_flag("--admin-readonly", admin_readonly, "The admin UI only watches");
    cli.add_option("--admin-ui-dir", admin_ui_dir, "Where the admin UI's built files are")
        ->capture_default_str();
    cli.add_flag(
        "--allow-eio3", allow_eio3,
        "Also serve Engine.IO v3 / Socket.IO v4 clients (socket.io 2.x, ESP8266 libraries)");
    soket::examples::add_parser_option(cli, parser);
    cli.add_option("--ping-interval", ping_interval_ms, "Milliseconds between heartbeats")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{3600000}));
    cli.add_option("--ping-timeout", ping_timeout_ms,
                   "Milliseconds to wait for a pong before \"ping timeout\"")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{3600000}));
    cli.add_option("--max-buffered-bytes", max_buffered_bytes,
                   "Bytes queued for one client before it is closed (\"transport error\")")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
    cli.add_flag("--log-disconnects", log_disconnects,
                 "Print `disconnect <id> <reason>` on stdout for every socket of /");
  };
  return soket::examples::run_example(
      context, argc, argv, "soket feature server: the Socket.IO API as the course uses it", 5000,
      [&](soket::net::asio::io_context& context, soket::http::Server& http) {
        if (node_name.empty()) node_name = "node-" + app->get_option("--port")->as<std::string>();
        ServerOptions options;
        if (auto error = soket::examples::apply_engine_options(engine_switches, context, options)) {
          std::fprintf(stderr, "%s\n", error->c_str());
          std::exit(2);
        }
        options.engine.per_message_deflate.enabled = per_message_deflate;
        options.engine.http_compression.enabled = !no_http_compression;
        if (recovery_ms > 0) {
          ConnectionStateRecoveryOptions recovery;
          recovery.max_disconnection_duration = std::chrono::milliseconds(recovery_ms);
          recovery.skip_middlewares = !recovery_runs_middlewares;
          options.connection_state_recovery = recovery;
        }
        options.engine.allow_eio3 = allow_eio3;
        options.engine.ping_interval = std::chrono::milliseconds(ping_interval_ms);
        options.engine.ping_timeout = std::chrono::milliseconds(ping_timeout_ms);
        options.engine.max_buffered_bytes = max_buffered_bytes;
        options.parser = parser;
        soket::examples::apply_limit_options(limit_switches, http, options);
        if (!redis_url.empty()) {
          std::string error;
          auto url = soket::cluster::RedisUrl::parse(redis_url, &error);
          if (!url) {
            std::fprintf(stderr, "--redis: %s\n", error.c_str());
            std::exit(2);
          }
          redis_options.requests_timeout = std::chrono::milliseconds(requests_timeout_ms);
          if (redis_adapter == "streams")
            redis_options.kind = soket::cluster::RedisAdapterKind::streams;
          redis = soket::cluster::RedisLink::create(context, *url, redis_options);
          redis->start();
          options.adapter = redis->adapter_factory();
        }
        try {
          io = std::make_unique<Server>(context, options);
        } catch (const std::invalid_argument& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::exit(2);
        }
        if (auto error = soket::examples::setup_engine_hooks(engine_switches, *io)) {
          std::fprintf(stderr, "%s\n", error->c_str());
          std::exit(2);
        }
        setup_main(*io);
        setup_chat(*io);
        setup_secure(*io);
        soket::examples::setup_api_events(*io, log_disconnects);
        soket::examples::setup_cluster_events(*io, node_name);
        if (admin) {
          soket::admin::AdminOptions admin_options;
          if (!admin_auth.username.empty()) admin_options.auth = admin_auth;
          admin_options.readonly = admin_readonly;
          admin_options.server_id = node_name;
          try {
            soket::admin::instrument(*io, std::move(admin_options));
          } catch (const std::invalid_argument& e) {
            std::fprintf(stderr, "--admin-password-hash: %s\n", e.what());
            std::exit(2);
          }
          soket::admin::serve_ui(http, admin_ui_dir);
        }
        soket::examples::serve_limit_stats(http, *io);
        io->attach(http);
      },
      [&] {
        io->close();
        if (redis) redis->stop();
      },
      add_options);
}
