#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "soket/http/server.hpp"
#include "soket/socketio/packet.hpp"

namespace CLI {
class App;
}

namespace soket::examples {

struct ExampleOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3000;
};

/// Parses --host/--port, lets `setup` register its routes on the HTTP server, listens, prints
/// "listening on http://HOST:PORT" (tests wait for that line) and runs `io` until SIGINT/SIGTERM,
/// when `shutdown` is called before the loop stops. Returns the process exit code. The caller owns
/// `io` and must declare it before the objects `setup` creates, so they are destroyed first.
/// `add_options` may add the example's own command-line options.
int run_example(net::asio::io_context& io, int argc, char** argv, const std::string& description,
                uint16_t default_port,
                const std::function<void(net::asio::io_context&, http::Server&)>& setup,
                const std::function<void()>& shutdown = {},
                const std::function<void(CLI::App&)>& add_options = {});

/// Adds --parser json|msgpack, which sets `parser` (ServerOptions::parser).
void add_parser_option(CLI::App& app, socketio::Parser& parser);

}  // namespace soket::examples
