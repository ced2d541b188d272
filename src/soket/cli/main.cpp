// soket: a real-time socket server for IoT (Socket.IO, TCP/UDP devices, TCP chat, dashboard).
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

#include "commands.hpp"
#include "soket/net/asio.hpp"
#include "soket/version.hpp"

namespace soket::cli {

int run_until_signal(boost::asio::io_context& io, const std::function<void()>& stop) {
  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](net::error_code ec, int) {
    if (ec) return;
    stop();
    // Let the closes and the last replies go out, then end.
    auto timer = std::make_shared<net::asio::steady_timer>(io, std::chrono::milliseconds(200));
    timer->async_wait([&io, timer](net::error_code) { io.stop(); });
  });
  io.run();
  return 0;
}

}  // namespace soket::cli

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "soket: a real-time socket server for IoT — Socket.IO, TCP/UDP devices, TCP chat "
      "and a live dashboard in one program"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("soket ") + soket::version);
  auto serve = soket::cli::add_serve_command(app);
  auto simulate = soket::cli::add_simulate_command(app);
  auto command = soket::cli::add_command_command(app);
  CLI11_PARSE(app, argc, argv);
  try {
    if (app.got_subcommand("serve")) return serve();
    if (app.got_subcommand("simulate")) return simulate();
    if (app.got_subcommand("command")) return command();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soket: %s\n", e.what());
    return 1;
  }
  return 0;
}
