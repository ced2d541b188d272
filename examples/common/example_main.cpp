#include "example_main.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <map>

#include "soket/net/endpoint.hpp"
#include "soket/net/tls.hpp"
#include "soket/util/log.hpp"

namespace soket::examples {

int run_example(net::asio::io_context& io, int argc, char** argv, const std::string& description,
                uint16_t default_port,
                const std::function<void(net::asio::io_context&, http::Server&)>& setup,
                const std::function<void()>& shutdown,
                const std::function<void(CLI::App&)>& add_options) {
  ExampleOptions options;
  options.port = default_port;
  std::string log_level = "info";
  CLI::App app{description};
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "TCP port to listen on")->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  std::string debug_layers;
  app.add_option("--debug", debug_layers,
                 "Write the debug lines of these library layers: comma-separated http, engineio, "
                 "socketio, cluster, or all (also the SOKET_DEBUG environment variable)");
  net::TlsOptions tls_options;
  app.add_option("--tls-cert", tls_options.cert_file,
                 "Speak TLS (https://, wss://) with this PEM certificate (chain); needs --tls-key. "
                 "SIGHUP reloads it");
  app.add_option("--tls-key", tls_options.key_file, "The PEM private key of --tls-cert");
  if (add_options) add_options(app);
  CLI11_PARSE(app, argc, argv);
  if (!log::init(log_level)) {
    std::fprintf(stderr, "unknown log level: %s\n", log_level.c_str());
    return 2;
  }
  if (!log::enable_debug(debug_layers)) {
    std::fprintf(stderr, "--debug: unknown layer in \"%s\" (known: %s)\n", debug_layers.c_str(),
                 log::known_layers().c_str());
    return 2;
  }

  auto endpoint = net::make_endpoint(options.host, options.port);
  if (!endpoint) {
    std::fprintf(stderr, "not an IP address: %s\n", options.host.c_str());
    return 2;
  }
  net::TlsContextPtr tls;
  if (tls_options.enabled()) {
    try {
      tls = net::TlsContext::load(tls_options);
    } catch (const net::TlsError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }
  auto http = http::Server::create(io);
  setup(io, *http);
  try {
    auto bound = http->listen(*endpoint, {}, tls);
    std::printf("listening on %s://%s:%u\n", tls ? "https" : "http",
                bound.address().to_string().c_str(), static_cast<unsigned>(bound.port()));
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot listen on %s:%u: %s\n", options.host.c_str(),
                 static_cast<unsigned>(options.port), e.what());
    return 1;
  }

  // SIGHUP: read the certificate and key again (a renewed certificate, without a restart).
  net::asio::signal_set hangup(io, SIGHUP);
  std::function<void()> wait_hangup = [&] {
    hangup.async_wait([&](net::error_code ec, int) {
      if (ec) return;
      if (tls) {
        try {
          tls->reload();
          std::printf("TLS certificate reloaded from %s\n", tls_options.cert_file.c_str());
        } catch (const net::TlsError& e) {
          std::printf("TLS certificate not reloaded, the previous one stays: %s\n", e.what());
        }
        std::fflush(stdout);
      }
      wait_hangup();
    });
  };
  wait_hangup();

  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](net::error_code, int) {
    if (shutdown) shutdown();
    hangup.cancel();
    http->stop();
    io.stop();
  });
  io.run();
  return 0;
}

void add_parser_option(CLI::App& app, socketio::Parser& parser) {
  const std::map<std::string, socketio::Parser> names = {{"json", socketio::Parser::json},
                                                         {"msgpack", socketio::Parser::msgpack}};
  app.add_option("--parser", parser,
                 "Packet encoding: json, or msgpack (clients use socket.io-msgpack-parser)")
      ->transform(CLI::CheckedTransformer(names));
}

}  // namespace soket::examples
