#include "soket/util/log.hpp"

#include <array>
#include <cstdlib>
#include <memory>
#include <mutex>

namespace soket::log {

namespace detail {
std::atomic<bool> layer_on[layer_count];
}  // namespace detail

namespace {

constexpr std::array<std::string_view, layer_count> names = {"http", "engineio", "socketio",
                                                             "cluster"};

// One logger for every layer's debug lines. It shares the default logger's sinks (and so its
// pattern and destination) but has its own level, so the lines show at --log-level info too.
std::shared_ptr<spdlog::logger>& debug_logger() {
  static std::shared_ptr<spdlog::logger> logger;
  return logger;
}

std::mutex& setup_mutex() {
  static std::mutex mutex;
  return mutex;
}

bool parse(std::string_view spec, std::array<bool, layer_count>& on) {
  on.fill(false);
  while (!spec.empty()) {
    auto comma = spec.find(',');
    auto item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (item.empty()) continue;
    if (item == "*" || item == "all") {
      on.fill(true);
      continue;
    }
    bool known = false;
    for (int i = 0; i < layer_count; ++i) {
      if (names[i] == item) on[i] = known = true;
    }
    if (!known) return false;
  }
  return true;
}

}  // namespace

std::string known_layers() {
  std::string list;
  for (auto name : names)
    list.append(list.empty() ? "" : ", ").append(name);
  return list + ", * or all";
}

std::string_view layer_name(Layer layer) {
  return names[static_cast<int>(layer)];
}

bool enable_debug(std::string_view spec) {
  std::array<bool, layer_count> on{};
  if (!parse(spec, on)) return false;
  std::lock_guard lock(setup_mutex());
  auto& logger = debug_logger();
  if (!logger) {
    const auto& sinks = spdlog::default_logger()->sinks();
    logger = std::make_shared<spdlog::logger>("debug", sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::debug);
  }
  for (int i = 0; i < layer_count; ++i) {
    if (on[i]) detail::layer_on[i].store(true, std::memory_order_relaxed);
  }
  return true;
}

void disable_debug() {
  for (auto& on : detail::layer_on)
    on.store(false, std::memory_order_relaxed);
}

void detail::write(Layer layer, std::string&& line) {
  auto& logger = debug_logger();
  if (logger) logger->debug("{}: {}", layer_name(layer), line);
}

bool init(std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to "off"; only accept "off" when it was asked for.
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  if (const char* from_env = std::getenv("SOKET_DEBUG"); from_env && !enable_debug(from_env)) {
    spdlog::warn("SOKET_DEBUG={} names an unknown layer (known: {}); no debug lines", from_env,
                 known_layers());
  }
  return true;
}

}  // namespace soket::log
