#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace soket::gateway {

/// Device ids (in `HELLO`): 1..64 characters from [A-Za-z0-9_.-], starting with a letter or a
/// digit.
inline constexpr std::size_t kMaxDeviceIdLength = 64;
/// Reading keys: 1..64 characters from [A-Za-z0-9_.-], starting with a letter, a digit or '_'.
inline constexpr std::size_t kMaxKeyLength = 64;
/// Tokens (in `HELLO`): 1..256 printable ASCII characters without spaces.
inline constexpr std::size_t kMaxTokenLength = 256;
/// Attributes after HELLO's id and token (`group=gang-1 kind=lamp`): at most this many.
inline constexpr std::size_t kMaxHelloAttributes = 8;

/// Whether `id` is a valid device id (see kMaxDeviceIdLength).
bool is_valid_device_id(std::string_view id);
/// Whether `key` is a valid reading key (see kMaxKeyLength).
bool is_valid_reading_key(std::string_view key);

/// What kind of message a device sent.
enum class DeviceMessageKind {
  hello,     ///< `HELLO <device-id> [token] [key=value ...]`
  readings,  ///< `key=value` pairs separated by spaces, tabs, commas or semicolons
  json,      ///< a JSON object
  reply,     ///< a device's answer to a command: `OK`, `ACK ...`, `ERR ...`
  text,      ///< anything else, kept as free text
};

/// The keyword of a device's reply to a command.
///
/// `ok` (`OK ...`): the command was carried out; `ack` (`ACK ...`): it was acknowledged; `err`
/// (`ERR ...`): the device refused it or failed.
enum class ReplyStatus { ok, ack, err };

/// One numeric value of a message, `key=value`.
struct Reading {
  std::string key;   ///< the reading's key, e.g. "temp"
  double value = 0;  ///< its value, finite
  /// Readings are equal when key and value are.
  friend bool operator==(const Reading&, const Reading&) = default;
};

/// One parsed device message. Which members are filled depends on `kind`.
struct DeviceMessage {
  DeviceMessageKind kind = DeviceMessageKind::text;  ///< which kind of message it is
  std::string raw;  ///< the message as framed (line ending stripped, otherwise untouched)

  std::string device_id;  ///< hello
  std::string token;      ///< hello; empty when none was given

  /// hello: the attributes (`group`, `kind`, `name`...) are in `fields`, as strings.
  /// readings and json: the numeric values, in message order.
  std::vector<Reading> readings;
  /// readings: non-numeric pairs (`led=on`) as string members. json: every non-numeric member
  /// (strings, booleans, null, arrays, nested objects) as sent.
  boost::json::object fields;

  ReplyStatus reply_status = ReplyStatus::ok;  ///< reply
  std::string reply_detail;                    ///< reply: text after the keyword, may be empty

  std::string text;  ///< text: the message without surrounding blanks
};

/// The outcome of parsing: a message, or the reason it is malformed (one line of printable text,
/// sent to the device as `ERR <reason>`).
struct DeviceParseResult {
  DeviceMessage message;  ///< the message; meaningful only when ok()
  std::string error;      ///< why it is malformed; empty when it is not
  /// Whether the message parsed (no error).
  bool ok() const { return error.empty(); }
};

/// Parses one framed message. Rules, in order (surrounding spaces and tabs are ignored):
/// - control characters (other than tab) or invalid UTF-8 anywhere: error;
/// - empty: error "empty message";
/// - first word `HELLO` (upper case): `HELLO <device-id> [token]`, anything else is an error;
/// - `OK`, `ACK`, `ERR` (upper case) alone or followed by a space and text: a reply;
/// - starts with '{': must be exactly one JSON object. Numeric members with a valid reading key
///   become readings (a numeric member with an invalid key is an error); other members go to
///   `fields`;
/// - first word contains '=': readings. Every word must then be `key=value` with a valid key, a
///   non-empty value without '=', and no key repeated. A value that is a finite decimal number
///   (`27.5`, `-3`, `+1e3`) is a reading; any other value (`on`, `0x1F`, `nan`) is kept as a string
///   in `fields` — so `led=on` is accepted;
/// - anything else: free text.
DeviceParseResult parse_device_message(std::string_view raw);

}  // namespace soket::gateway
