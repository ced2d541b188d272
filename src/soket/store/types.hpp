#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Rows of the store as the hub sees them. Timestamps are milliseconds since the Unix epoch.
namespace soket::store {

/// Milliseconds since the Unix epoch, from the system clock.
std::int64_t now_ms();

/// The widest time a JavaScript Date holds: ±8.64e15 ms around the epoch (±100 million days).
inline constexpr std::int64_t kMaxTimeMs = 8'640'000'000'000'000;

/// A time that came from outside (a query, a dashboard request) kept within ±kMaxTimeMs, so that
/// arithmetic on it (to minus an hour, say) cannot overflow.
constexpr std::int64_t bounded_time_ms(std::int64_t ms) {
  return ms < -kMaxTimeMs ? -kMaxTimeMs : ms > kMaxTimeMs ? kMaxTimeMs : ms;
}

/// Where a command came from.
enum class CommandSource { dashboard, rest, cli, standard_input, rule };
/// queued -> sent -> acked | failed (failed is also reachable from queued).
enum class CommandState { queued, sent, acked, failed };
/// Which side of the chat a message came from.
enum class ChatOrigin { tcp, web };

// Names as stored in the database and shown in JSON: "dashboard", "rest", "cli", "stdin", "rule";
// "queued", "sent", "acked", "failed"; "tcp", "web". The parse functions return nullopt for
// anything else.
std::string_view to_string(CommandSource source);
std::string_view to_string(CommandState state);
std::string_view to_string(ChatOrigin origin);
std::optional<CommandSource> parse_command_source(std::string_view name);
std::optional<CommandState> parse_command_state(std::string_view name);
std::optional<ChatOrigin> parse_chat_origin(std::string_view name);

struct Device {
  std::string id{};
  std::optional<std::string> name{};
  std::optional<std::string> group{};
  std::optional<std::string> kind{};       ///< from HELLO: "lamp", "light", "sensor", ...
  std::optional<std::string> transport{};  ///< "tcp" or "udp"
  std::optional<std::string> address{};    ///< last peer address, e.g. "10.0.0.5:51234"
  std::int64_t first_seen = 0;
  std::int64_t last_seen = 0;
  bool online = false;
  std::optional<std::string> node{};  ///< the hub node it is connected to, when clustered
};

/// One stored value: a number, a text, or both (e.g. the raw form of a JSON value).
struct Reading {
  std::int64_t id = 0;
  std::string device_id{};
  std::int64_t ts = 0;
  std::string key{};
  std::optional<double> value{};
  std::optional<std::string> text{};
};

/// One chart point: the numeric readings of one key whose ts falls in [start, start + width).
/// The latest numeric value of one key of a device.
struct LatestValue {
  std::string device_id{};
  std::string key{};
  std::int64_t ts = 0;
  double value = 0;
};

struct ReadingBucket {
  std::string key{};
  std::int64_t start = 0;  ///< bucket start, ms
  std::int64_t width = 0;  ///< bucket width, ms (the same for every bucket of one query)
  std::int64_t count = 0;
  double avg = 0;
  double min = 0;
  double max = 0;
};

/// A free-text message from a device (a line that is neither key=value pairs nor JSON).
struct TextMessage {
  std::int64_t id = 0;
  std::string device_id{};
  std::int64_t ts = 0;
  std::string text{};
};

struct Command {
  std::int64_t id = 0;
  std::string device_id{};
  std::string command{};
  CommandSource source = CommandSource::dashboard;
  CommandState state = CommandState::queued;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> sent_at{};
  std::optional<std::int64_t> acked_at{};  ///< time of the ack, or of the failure
  std::optional<std::string> reply{};      ///< the device's reply, or the failure reason
};

struct ChatMessage {
  std::int64_t id = 0;
  std::int64_t ts = 0;
  std::string user{};
  std::string text{};
  ChatOrigin origin = ChatOrigin::tcp;
};

struct Alert {
  std::int64_t id = 0;
  std::int64_t ts = 0;
  std::string rule{};
  std::optional<std::string> device_id{};
  std::string message{};
  std::optional<double> value{};
};

}  // namespace soket::store
