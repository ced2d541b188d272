#include "soket/cluster/stream_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <cstdint>

#include "soket/util/base64.hpp"
#include "soket/util/json_finite.hpp"
#include "soket/util/msgpack.hpp"

namespace soket::cluster::stream_codec {

using socketio::ClusterMessage;
using socketio::ClusterMessageType;

namespace {

constexpr std::size_t kMaxJsonDepth = 64;
constexpr int kFirstType = static_cast<int>(ClusterMessageType::initial_heartbeat);
constexpr int kLastType = static_cast<int>(ClusterMessageType::adapter_close);

std::optional<ClusterMessageType> type_from_number(long long n) {
  if (n < kFirstType || n > kLastType) return std::nullopt;
  return static_cast<ClusterMessageType>(n);
}

std::optional<ClusterMessageType> type_from_text(std::string_view text) {
  long long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return type_from_number(n);
}

const std::string* field(const Fields& fields, std::string_view name) {
  for (const auto& [key, value] : fields)
    if (key == name) return &value;
  return nullptr;
}

}  // namespace

Fields to_fields(const ClusterMessage& message) {
  Fields fields;
  fields.reserve(4);
  fields.emplace_back("uid", message.uid);
  fields.emplace_back("nsp", message.nsp);
  fields.emplace_back("type", std::to_string(static_cast<int>(message.type)));
  // The reference writes binaries as base64 msgpack (a JSON text would lose them); it tells the
  // two apart by the first character, '{' for JSON.
  if (message.attachments.empty())
    fields.emplace_back("data", json_finite::serialize(message.data));
  else
    fields.emplace_back("data", base64::encode(msgpack::encode(message.data, message.attachments)));
  return fields;
}

std::optional<ClusterMessage> from_fields(const Fields& fields, std::string& error) {
  error.clear();
  const auto* nsp = field(fields, "nsp");
  if (!nsp || nsp->empty()) return std::nullopt;
  const auto* uid = field(fields, "uid");
  const auto* type_text = field(fields, "type");
  if (!uid || !type_text) {
    error = "no uid or type";
    return std::nullopt;
  }
  auto type = type_from_text(*type_text);
  if (!type) {
    error = "unknown type \"" + type_text->substr(0, 20) + "\"";
    return std::nullopt;
  }
  ClusterMessage message;
  message.type = *type;
  message.uid = *uid;
  message.nsp = *nsp;
  const auto* data = field(fields, "data");
  if (!data || data->empty()) return message;
  if (data->front() == '{') {
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = kMaxJsonDepth;
    auto value = boost::json::parse(*data, ec, {}, options);
    if (ec || !value.is_object()) {
      error = "data is not a JSON object";
      return std::nullopt;
    }
    message.data = std::move(value.get_object());
    return message;
  }
  auto bytes = base64::decode(*data);
  if (!bytes) {
    error = "data is neither JSON nor base64";
    return std::nullopt;
  }
  try {
    auto document = msgpack::decode(*bytes);
    if (!document.value.is_object()) {
      error = "data is not a msgpack map";
      return std::nullopt;
    }
    message.data = std::move(document.value.get_object());
    message.attachments = std::move(document.attachments);
  } catch (const msgpack::Error& e) {
    error = std::string("data is malformed msgpack: ") + e.what();
    return std::nullopt;
  }
  return message;
}

std::string to_msgpack(const ClusterMessage& message) {
  boost::json::object body{{"uid", message.uid},
                           {"nsp", message.nsp},
                           {"type", static_cast<int>(message.type)},
                           {"data", message.data}};
  return msgpack::encode(body, message.attachments);
}

std::optional<ClusterMessage> from_msgpack(std::string_view payload, std::string& error) {
  msgpack::Document document;
  try {
    document = msgpack::decode(payload);
  } catch (const msgpack::Error& e) {
    error = std::string("malformed msgpack: ") + e.what();
    return std::nullopt;
  }
  auto* body = document.value.if_object();
  const auto* uid = body ? body->if_contains("uid") : nullptr;
  const auto* nsp = body ? body->if_contains("nsp") : nullptr;
  const auto* type = body ? body->if_contains("type") : nullptr;
  if (!uid || !uid->is_string() || !nsp || !nsp->is_string() || !type || !type->is_number()) {
    error = "not a {uid, nsp, type, data} map";
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto number = type->to_number<long long>(ec);
  auto message_type = ec ? std::nullopt : type_from_number(number);
  if (!message_type) {
    error = "unknown type";
    return std::nullopt;
  }
  ClusterMessage message;
  message.type = *message_type;
  message.uid = uid->get_string();
  message.nsp = nsp->get_string();
  if (auto* data = body->if_contains("data"); data && data->is_object())
    message.data = std::move(data->get_object());
  message.attachments = std::move(document.attachments);
  return message;
}

std::string session_to_text(const socketio::SocketSession& session) {
  boost::json::array rooms;
  rooms.reserve(session.rooms.size());
  for (const auto& room : session.rooms)
    rooms.emplace_back(room);
  boost::json::object body{{"sid", session.sid},
                           {"pid", session.pid},
                           {"rooms", std::move(rooms)},
                           {"data", session.data}};
  if (!session.start.empty()) body["start"] = session.start;
  return base64::encode(msgpack::encode(body));
}

std::optional<socketio::SocketSession> session_from_text(std::string_view text,
                                                         std::string& error) {
  error.clear();
  auto bytes = base64::decode(text);
  if (!bytes) {
    error = "not base64";
    return std::nullopt;
  }
  msgpack::Document document;
  try {
    document = msgpack::decode(*bytes);
  } catch (const msgpack::Error& e) {
    error = std::string("malformed msgpack: ") + e.what();
    return std::nullopt;
  }
  const auto* body = document.value.if_object();
  const auto* sid = body ? body->if_contains("sid") : nullptr;
  const auto* pid = body ? body->if_contains("pid") : nullptr;
  const auto* rooms = body ? body->if_contains("rooms") : nullptr;
  if (!sid || !sid->is_string() || sid->get_string().empty() || !pid || !pid->is_string() ||
      !rooms || !rooms->is_array()) {
    error = "not a {sid, pid, rooms, data} map";
    return std::nullopt;
  }
  socketio::SocketSession session;
  session.sid = sid->get_string();
  session.pid = pid->get_string();
  for (const auto& room : rooms->get_array()) {
    if (!room.is_string()) {
      error = "a room that is not a string";
      return std::nullopt;
    }
    session.rooms.emplace_back(room.get_string());
  }
  if (const auto* data = body->if_contains("data"); data && data->is_object())
    session.data = data->get_object();
  if (const auto* start = body->if_contains("start"); start && start->is_string())
    session.start = start->get_string();
  return session;
}

namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

bool is_entry_id(std::string_view text) {
  auto dash = text.find('-');
  if (dash == std::string_view::npos) return false;
  return all_digits(text.substr(0, dash)) && all_digits(text.substr(dash + 1));
}

std::string next_entry_id(std::string_view id) {
  auto dash = id.find('-');
  auto ms = id.substr(0, dash);
  auto sequence = id.substr(dash + 1);
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(sequence.data(), sequence.data() + sequence.size(), number);
  if (ec == std::errc{} && number < UINT64_MAX)
    return std::string(ms) + "-" + std::to_string(number + 1);
  // The last sequence of a millisecond: the next millisecond's first.
  std::uint64_t milliseconds = 0;
  std::from_chars(ms.data(), ms.data() + ms.size(), milliseconds);
  return std::to_string(milliseconds + 1) + "-0";
}

namespace {

std::pair<std::uint64_t, std::uint64_t> entry_id_numbers(std::string_view id) {
  std::uint64_t ms = 0;
  std::uint64_t sequence = 0;
  auto dash = id.find('-');
  auto ms_text = id.substr(0, dash);
  std::from_chars(ms_text.data(), ms_text.data() + ms_text.size(), ms);
  if (dash != std::string_view::npos) {
    auto sequence_text = id.substr(dash + 1);
    std::from_chars(sequence_text.data(), sequence_text.data() + sequence_text.size(), sequence);
  }
  return {ms, sequence};
}

}  // namespace

bool entry_id_before(std::string_view a, std::string_view b) {
  if (a.empty()) return !b.empty();
  return entry_id_numbers(a) < entry_id_numbers(b);
}

}  // namespace soket::cluster::stream_codec
