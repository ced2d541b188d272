#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace soket::log {

/// Sets the process-wide log level from a name ("trace", "debug", "info", "warn", "error", "off")
/// and a compact pattern. Returns false for an unknown name (the level is left unchanged).
bool init(std::string_view level);

}  // namespace soket::log
