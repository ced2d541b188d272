#include "soket/socketio/event_packet.hpp"

namespace soket::socketio {

Packet make_event_packet(std::string_view nsp, std::string_view event, Message message,
                         std::optional<uint64_t> ack_id) {
  Packet packet;
  packet.type = PacketType::event;
  packet.nsp = nsp;
  packet.id = ack_id;
  boost::json::array data;
  data.reserve(message.args.size() + 1);
  data.emplace_back(event);
  for (auto& arg : message.args)
    data.push_back(std::move(arg));
  packet.data = std::move(data);
  packet.attachments = std::move(message.attachments);
  return packet;
}

Packet make_ack_packet(std::string_view nsp, uint64_t id, Message message) {
  Packet packet;
  packet.type = PacketType::ack;
  packet.nsp = nsp;
  packet.id = id;
  packet.data = std::move(message.args);
  packet.attachments = std::move(message.attachments);
  return packet;
}

Message take_message(Packet& packet, bool has_event_name) {
  Message message;
  if (packet.data.is_array()) {
    auto& array = packet.data.get_array();
    if (has_event_name && !array.empty()) array.erase(array.begin());
    message.args = std::move(array);
  }
  message.attachments = std::move(packet.attachments);
  return message;
}

}  // namespace soket::socketio
