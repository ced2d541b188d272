#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "soket/simulator/simulator.hpp"
#include "soket/util/log.hpp"

namespace soket::cli {

Runner add_simulate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("simulate",
                                 "Run a village of virtual ESP8266 devices (street "
                                 "lamps, light sensors, greenhouses) against a server");
  auto options = std::make_shared<simulator::SimulatorOptions>();
  cmd->add_option("--host", options->host, "Server address")->capture_default_str();
  cmd->add_option("--tcp-port", options->tcp_port, "Device gateway TCP port")
      ->capture_default_str();
  cmd->add_option("--udp-port", options->udp_port, "UDP telemetry port")->capture_default_str();
  cmd->add_option("--lamps", options->lamps, "Street lamps in total")->capture_default_str();
  cmd->add_option("--greenhouses", options->greenhouses, "Greenhouses")->capture_default_str();
  cmd->add_option("--alleys", options->alleys, "Alleys (gang), each with a light sensor")
      ->capture_default_str();
  cmd->add_option("--time-scale", options->time_scale, "Simulated seconds per real second")
      ->capture_default_str();
  cmd->add_option("--token", options->token, "Device token to send in HELLO");
  cmd->add_option("--seed", options->seed, "Random seed")->capture_default_str();
  return [options]() -> int {
    if (auto problem = simulator::validate_options(*options); !problem.empty()) {
      std::fprintf(stderr, "soket simulate: %s\n", problem.c_str());
      return 2;
    }
    log::init("info");
    net::asio::io_context io(1);
    simulator::Simulator village(io, *options);
    village.start();
    std::printf("simulating %zu devices against %s (tcp %u, udp %u); Ctrl-C to stop\n",
                village.devices().size(), options->host.c_str(),
                static_cast<unsigned>(options->tcp_port), static_cast<unsigned>(options->udp_port));
    std::fflush(stdout);
    return run_until_signal(io, [&] { village.stop(); });
  };
}

}  // namespace soket::cli
