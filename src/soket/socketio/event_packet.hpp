#pragma once

#include <optional>
#include <string_view>

#include "soket/socketio/message.hpp"
#include "soket/socketio/packet.hpp"

namespace soket::socketio {

/// EVENT packet [event, ...args] for namespace `nsp` (BINARY_EVENT when it has attachments).
Packet make_event_packet(std::string_view nsp, std::string_view event, Message message,
                         std::optional<uint64_t> ack_id);

/// ACK packet [...args] answering `id`.
Packet make_ack_packet(std::string_view nsp, uint64_t id, Message message);

/// Splits a received EVENT/ACK packet into its message (the event name, if any, removed).
Message take_message(Packet& packet, bool has_event_name);

}  // namespace soket::socketio
