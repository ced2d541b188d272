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
/// The stored name of a command source ("dashboard", "rest", "cli", "stdin", "rule").
std::string_view to_string(CommandSource source);
/// The stored name of a command state ("queued", "sent", "acked", "failed").
std::string_view to_string(CommandState state);
/// The stored name of a chat origin ("tcp", "web").
std::string_view to_string(ChatOrigin origin);
/// The command source stored as `name`; nullopt for any other name.
std::optional<CommandSource> parse_command_source(std::string_view name);
/// The command state stored as `name`; nullopt for any other name.
std::optional<CommandState> parse_command_state(std::string_view name);
/// The chat origin stored as `name`; nullopt for any other name.
std::optional<ChatOrigin> parse_chat_origin(std::string_view name);

/// A device the hub has heard from (a row of the devices table).
struct Device {
  std::string id{};                        ///< the id it gave in HELLO (or in a UDP datagram)
  std::optional<std::string> name{};       ///< HELLO's `name=` attribute
  std::optional<std::string> group{};      ///< its group: HELLO's `group=`, or [groups]
  std::optional<std::string> kind{};       ///< from HELLO: "lamp", "light", "sensor", ...
  std::optional<std::string> transport{};  ///< "tcp" or "udp"
  std::optional<std::string> address{};    ///< last peer address, e.g. "10.0.0.5:51234"
  std::int64_t first_seen = 0;             ///< first time it was seen (ms)
  std::int64_t last_seen = 0;              ///< last time it was seen (ms)
  bool online = false;                     ///< connected now (TCP), or heard lately (UDP)
  std::optional<std::string> node{};       ///< the hub node it is connected to, when clustered
};

/// One stored value: a number, a text, or both (e.g. the raw form of a JSON value).
struct Reading {
  std::int64_t id = 0;                ///< row id, increasing with insertion
  std::string device_id{};            ///< the device that sent it
  std::int64_t ts = 0;                ///< when the hub received it (ms)
  std::string key{};                  ///< the key of the key=value pair (or JSON field)
  std::optional<double> value{};      ///< the number, when the value is one
  std::optional<std::string> text{};  ///< the value as text, when it is not (only) a number
};

/// The latest numeric value of one key of a device.
struct LatestValue {
  std::string device_id{};  ///< the device that sent it
  std::string key{};        ///< the reading's key
  std::int64_t ts = 0;      ///< when it was received (ms)
  double value = 0;         ///< the latest numeric value
};

/// One chart point: the numeric readings of one key whose ts falls in [start, start + width).
struct ReadingBucket {
  std::string key{};       ///< the readings' key
  std::int64_t start = 0;  ///< bucket start, ms
  std::int64_t width = 0;  ///< bucket width, ms (the same for every bucket of one query)
  std::int64_t count = 0;  ///< readings in the bucket
  double avg = 0;          ///< their average
  double min = 0;          ///< their smallest value
  double max = 0;          ///< their largest value
};

/// A free-text message from a device (a line that is neither key=value pairs nor JSON).
struct TextMessage {
  std::int64_t id = 0;      ///< row id, increasing with insertion
  std::string device_id{};  ///< the device that sent it
  std::int64_t ts = 0;      ///< when the hub received it (ms)
  std::string text{};       ///< the line as received
};

/// A command for a device and where it is in its life (a row of the commands table).
struct Command {
  std::int64_t id = 0;      ///< command id, increasing with insertion
  std::string device_id{};  ///< the device it is for
  std::string command{};    ///< the command line written to the device, e.g. "lamp-on"
  CommandSource source = CommandSource::dashboard;  ///< who asked for it
  CommandState state = CommandState::queued;        ///< queued, sent, acked or failed
  std::int64_t created_at = 0;                      ///< when it was queued (ms)
  std::optional<std::int64_t> sent_at{};            ///< when it was last written to the device (ms)
  std::optional<std::int64_t> acked_at{};           ///< time of the ack, or of the failure
  std::optional<std::string> reply{};               ///< the device's reply, or the failure reason
};

/// A line of the chat, from the TCP chat or the web chat.
struct ChatMessage {
  std::int64_t id = 0;                  ///< row id, increasing with insertion
  std::int64_t ts = 0;                  ///< when it was said (ms)
  std::string user{};                   ///< the speaker's user name
  std::string text{};                   ///< what was said
  ChatOrigin origin = ChatOrigin::tcp;  ///< the TCP chat or the web chat
};

/// An alert raised by a village rule.
struct Alert {
  std::int64_t id = 0;                     ///< row id, increasing with insertion
  std::int64_t ts = 0;                     ///< when it was raised (ms)
  std::string rule{};                      ///< the rule, e.g. "alley:Gang Mawar", "greenhouse:GH 1"
  std::optional<std::string> device_id{};  ///< the device concerned, if any
  std::string message{};                   ///< what happened, for people
  std::optional<double> value{};           ///< the value that raised it, if any
};

}  // namespace soket::store
