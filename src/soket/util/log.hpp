#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <string>
#include <string_view>
#include <utility>

namespace soket::log {

/// Sets the process-wide log level from a name ("trace", "debug", "info", "warn", "error", "off")
/// and a compact pattern, then turns on the debug layers named in the SOKET_DEBUG environment
/// variable, if set (an unknown layer there is reported with a warning). Returns false for an
/// unknown level name (the level is left unchanged).
bool init(std::string_view level);

/// The library layers that can write debug lines, like Node's DEBUG=engine:*,socket.io:*.
///
/// `http`: the HTTP server (SOKET_DEBUG=http); `engineio`: Engine.IO sessions and transports;
/// `socketio`: Socket.IO namespaces, sockets and packets; `cluster`: the cluster adapters and
/// Redis.
enum class Layer { http, engineio, socketio, cluster };
/// The number of Layer values.
inline constexpr int layer_count = 4;

/// The layer's name as the switch spells it ("http", "engineio", "socketio", "cluster").
std::string_view layer_name(Layer layer);

/// The names enable_debug accepts, for messages: "http, engineio, socketio, cluster, * or all".
std::string known_layers();

/// Debug lines of the layers named in `spec` are written from now on, whatever the log level.
/// `spec` is a comma-separated list of layer names, or "*" / "all" for every layer; an empty
/// spec changes nothing. Returns false (and changes nothing) for an unknown name. Call it at
/// start-up, before servers run.
bool enable_debug(std::string_view spec);

/// Every layer's debug lines off again.
void disable_debug();

namespace detail {
extern std::atomic<bool> layer_on[layer_count];
void write(Layer layer, std::string&& line);
}  // namespace detail

/// True when the layer's debug lines are on: one relaxed load, so a disabled layer costs
/// nothing measurable on the hot path.
inline bool debug_on(Layer layer) {
  return detail::layer_on[static_cast<int>(layer)].load(std::memory_order_relaxed);
}

/// Writes "<layer>: <message>" at debug level when the layer is on. The arguments are only
/// formatted when it is.
template <class... Args>
void debug(Layer layer, fmt::format_string<Args...> format, Args&&... args) {
  if (!debug_on(layer)) return;
  detail::write(layer, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace soket::log
