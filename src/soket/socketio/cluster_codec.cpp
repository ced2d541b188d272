#include "soket/socketio/cluster_codec.hpp"
#include "soket/util/json_text.hpp"
#include "soket/util/timer_delay.hpp"

namespace soket::socketio::cluster_codec {

boost::json::array strings_to_json(const std::vector<std::string>& strings) {
  boost::json::array array;
  array.reserve(strings.size());
  for (const auto& s : strings)
    array.emplace_back(s);
  return array;
}

std::optional<std::vector<std::string>> strings_from_json(const boost::json::value& value) {
  const auto* array = value.if_array();
  if (!array) return std::nullopt;
  std::vector<std::string> strings;
  strings.reserve(array->size());
  for (const auto& item : *array) {
    // The reference allows numbers as room names; they travel as numbers, named as JavaScript
    // writes them (1.5, not 1.5E0).
    if (const auto* s = item.if_string())
      strings.emplace_back(*s);
    else if (item.is_number())
      strings.push_back(json_text::to_json(item));
    else
      return std::nullopt;
  }
  return strings;
}

boost::json::object options_to_json(const BroadcastOptions& options) {
  boost::json::object flags;
  if (options.flags.local) flags["local"] = true;
  if (!options.flags.compress) flags["compress"] = false;  // Node sends it only when set
  if (options.flags.timeout) flags["timeout"] = options.flags.timeout->count();
  if (options.flags.volatile_) flags["volatile"] = true;
  return {{"rooms", strings_to_json(options.rooms)},
          {"except", strings_to_json(options.except)},
          {"flags", std::move(flags)}};
}

std::optional<BroadcastOptions> options_from_json(const boost::json::value& value) {
  const auto* object = value.if_object();
  if (!object) return std::nullopt;
  BroadcastOptions options;
  for (auto [key, target] : {std::pair{"rooms", &options.rooms}, {"except", &options.except}}) {
    const auto* field = object->if_contains(key);
    if (!field || field->is_null()) continue;  // an absent list is an empty one
    auto strings = strings_from_json(*field);
    if (!strings) return std::nullopt;
    *target = std::move(*strings);
  }
  if (const auto* flags = object->if_contains("flags"); flags && flags->is_object()) {
    if (const auto* timeout = flags->get_object().if_contains("timeout");
        timeout && timeout->is_number()) {
      boost::system::error_code ec;
      auto ms = timeout->to_number<int64_t>(ec);
      // Another node wrote it: a timeout past any timer's reach is cut to the longest one.
      if (!ec && ms >= 0)
        options.flags.timeout = bounded_timer_delay(std::chrono::milliseconds(ms));
    }
    if (const auto* compress = flags->get_object().if_contains("compress");
        compress && compress->is_bool())
      options.flags.compress = compress->as_bool();
    if (const auto* is_volatile = flags->get_object().if_contains("volatile");
        is_volatile && is_volatile->is_bool())
      options.flags.volatile_ = is_volatile->get_bool();
  }
  return options;
}

boost::json::object packet_to_json(const Packet& packet) {
  boost::json::object object{
      {"type", static_cast<int>(PacketType::event)}, {"data", packet.data}, {"nsp", packet.nsp}};
  if (packet.id) object["id"] = *packet.id;
  return object;
}

std::optional<Packet> packet_from_json(const boost::json::value& value, std::string_view nsp) {
  const auto* object = value.if_object();
  if (!object) return std::nullopt;
  const auto* type = object->if_contains("type");
  if (!type || !type->is_number()) return std::nullopt;
  boost::system::error_code ec;
  auto type_number = type->to_number<int>(ec);
  if (ec || (type_number != static_cast<int>(PacketType::event) &&
             type_number != static_cast<int>(PacketType::binary_event)))
    return std::nullopt;
  if (const auto* packet_nsp = object->if_contains("nsp")) {
    if (!packet_nsp->is_string() || packet_nsp->get_string() != nsp) return std::nullopt;
  }
  const auto* data = object->if_contains("data");
  if (!data || !data->is_array() || data->get_array().empty() ||
      !data->get_array().front().is_string())
    return std::nullopt;
  Packet packet;
  packet.type = PacketType::event;
  packet.nsp = nsp;
  packet.data = *data;
  return packet;
}

boost::json::object details_to_json(const SocketDetails& details) {
  return {{"id", details.id},
          {"handshake", details.handshake},
          {"rooms", strings_to_json(details.rooms)},
          {"data", details.data}};
}

std::optional<SocketDetails> details_from_json(const boost::json::value& value) {
  const auto* object = value.if_object();
  if (!object) return std::nullopt;
  const auto* id = object->if_contains("id");
  if (!id || !id->is_string()) return std::nullopt;
  SocketDetails details;
  details.id = id->get_string();
  if (const auto* handshake = object->if_contains("handshake"); handshake && handshake->is_object())
    details.handshake = handshake->get_object();
  if (const auto* rooms = object->if_contains("rooms")) {
    auto strings = strings_from_json(*rooms);
    if (!strings) return std::nullopt;
    details.rooms = std::move(*strings);
  }
  if (const auto* data = object->if_contains("data")) details.data = *data;
  return details;
}

}  // namespace soket::socketio::cluster_codec
