#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "soket/net/asio.hpp"

namespace soket::cli {

/// Each subcommand registers its options on `app` and returns what runs it (the exit code).
using Runner = std::function<int()>;

/// Adds `soket serve` (the hub) to `app`.
Runner add_serve_command(CLI::App& app);
/// Adds `soket simulate` (the virtual village) to `app`.
Runner add_simulate_command(CLI::App& app);
/// Adds `soket command` (send a command to devices through a running server) to `app`.
Runner add_command_command(CLI::App& app);

/// Runs the io_context until SIGINT/SIGTERM, then calls `stop` and lets pending work finish.
int run_until_signal(boost::asio::io_context& io, const std::function<void()>& stop);

}  // namespace soket::cli
