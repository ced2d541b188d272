#include "soket/socketio/packet.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

#include "soket/socketio/msgpack_packet.hpp"
#include "soket/socketio/packet_rules.hpp"
#include "soket/util/json_text.hpp"

namespace soket::socketio {
namespace {

namespace json = boost::json;

// Names the reference parser refuses as event names (they mean something to its event emitters).
constexpr std::array<std::string_view, 6> kReservedEvents = {
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_binary_type(PacketType t) {
  return t == PacketType::binary_event || t == PacketType::binary_ack;
}

// The type written on the wire: attachments decide between the plain and the binary variant.
PacketType wire_type(const Packet& packet) {
  bool has_attachments = !packet.attachments.empty();
  switch (packet.type) {
    case PacketType::event:
    case PacketType::binary_event:
      return has_attachments ? PacketType::binary_event : PacketType::event;
    case PacketType::ack:
    case PacketType::binary_ack:
      return has_attachments ? PacketType::binary_ack : PacketType::ack;
    default:
      if (has_attachments)
        throw std::invalid_argument("socket.io: only events and acks can carry attachments");
      return packet.type;
  }
}

template <typename Int>
void append_number(Int n, std::string& out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), n);
  out.append(buf, end);
}

// JSON as JSON.stringify writes it: 22.2 (not Boost.JSON's 2.22E1), and null for a client's 1e400
// (infinity) or a NaN, which Boost.JSON would write as bare words no receiver can parse.
void append_json(const json::value& value, std::string& out) {
  json_text::append_json(out, value);
}

bool is_valid_event_array(const json::value& payload) {
  const json::array* array = payload.if_array();
  if (!array || array->empty()) return false;
  const json::value& first = array->front();
  if (first.is_number()) return true;
  const json::string* name = first.if_string();
  if (!name) return false;
  return std::find(kReservedEvents.begin(), kReservedEvents.end(), std::string_view(*name)) ==
         kReservedEvents.end();
}

}  // namespace

bool is_payload_valid(PacketType type, const json::value& payload) {
  switch (type) {
    case PacketType::connect:
      return payload.is_object();
    case PacketType::disconnect:
      return false;
    case PacketType::connect_error:
      return payload.is_string() || payload.is_object();
    case PacketType::event:
    case PacketType::binary_event:
      return is_valid_event_array(payload);
    case PacketType::ack:
    case PacketType::binary_ack:
      return payload.is_array();
  }
  return false;
}

// False when some object marked {"_placeholder":true} has a num that is not an attachment index.
bool placeholders_valid(const json::value& value, std::size_t attachment_count) {
  if (const json::array* array = value.if_array()) {
    return std::all_of(array->begin(), array->end(), [&](const json::value& v) {
      return placeholders_valid(v, attachment_count);
    });
  }
  const json::object* object = value.if_object();
  if (!object) return true;
  const json::value* marker = object->if_contains("_placeholder");
  if (marker && marker->is_bool() && marker->get_bool())
    return is_placeholder(value, attachment_count);
  return std::all_of(object->begin(), object->end(), [&](const json::key_value_pair& kv) {
    return placeholders_valid(kv.value(), attachment_count);
  });
}

namespace {

std::string_view type_name(PacketType type) {
  switch (type) {
    case PacketType::connect:
      return "CONNECT";
    case PacketType::disconnect:
      return "DISCONNECT";
    case PacketType::event:
      return "EVENT";
    case PacketType::ack:
      return "ACK";
    case PacketType::connect_error:
      return "CONNECT_ERROR";
    case PacketType::binary_event:
      return "BINARY_EVENT";
    case PacketType::binary_ack:
      return "BINARY_ACK";
  }
  return "?";
}

}  // namespace

void encode_text(const Packet& packet, std::string& out) {
  PacketType type = wire_type(packet);
  out += static_cast<char>('0' + static_cast<int>(type));
  if (is_binary_type(type)) {
    append_number(packet.attachments.size(), out);
    out += '-';
  }
  if (!packet.nsp.empty() && packet.nsp != "/") {
    if (packet.nsp.find(',') != std::string::npos)
      throw std::invalid_argument("socket.io: namespace must not contain a comma");
    out += packet.nsp;
    out += ',';
  }
  if (packet.id) append_number(*packet.id, out);
  if (!packet.data.is_null()) append_json(packet.data, out);
}

EncodedPacket uncompressed(const EncodedPacket& packet) {
  EncodedPacket copy = packet;
  for (auto& frame : copy.frames)
    frame.compress = false;
  return copy;
}

EncodedPacket encode(const Packet& packet) {
  // The text is built in a per-thread scratch buffer, then copied once into an exact-size string.
  thread_local std::string scratch;
  scratch.clear();
  scratch += '4';
  encode_text(packet, scratch);

  EncodedPacket encoded;
  encoded.frames.reserve(1 + packet.attachments.size());
  encoded.frames.push_back({make_shared_bytes(std::string(scratch)), false});
  for (const auto& bytes : packet.attachments)
    encoded.frames.push_back({bytes ? bytes : make_shared_bytes(std::string()), true});

  constexpr std::size_t kScratchKeep = 64 * 1024;  // don't pin the memory of one huge emit
  if (scratch.capacity() > kScratchKeep) std::string().swap(scratch);
  return encoded;
}

EncodedPacket encode(const Packet& packet, Parser parser) {
  return parser == Parser::msgpack ? encode_msgpack(packet) : encode(packet);
}

bool is_placeholder(const boost::json::value& data, std::size_t attachment_count) {
  const json::object* object = data.if_object();
  if (!object) return false;
  const json::value* marker = object->if_contains("_placeholder");
  if (!marker || !marker->is_bool() || !marker->get_bool()) return false;
  const json::value* num = object->if_contains("num");
  if (!num) return false;
  json::error_code ec;
  auto index = num->to_number<uint64_t>(ec);  // integral doubles (1.0) count, like in JS
  return !ec && index < attachment_count;
}

Decoder::Status Decoder::fail(std::string message) {
  error_ = std::move(message);
  reconstructing_ = false;
  expected_attachments_ = 0;
  packet_ = Packet{};
  return Status::error;
}

Decoder::Status Decoder::add_text(std::string_view text) {
  if (!error_.empty()) return Status::error;
  if (options_.parser == Parser::msgpack) return fail("text message with the msgpack parser");
  if (reconstructing_) return fail("text packet received while waiting for binary attachments");
  packet_ = Packet{};
  expected_attachments_ = 0;
  return parse(text);
}

// Wire form: <type>[<attachments>-][<nsp>,][<id>][<json>]
Decoder::Status Decoder::parse(std::string_view text) {
  if (text.empty()) return fail("empty packet");
  if (text[0] < '0' || text[0] > '6') return fail("unknown packet type");
  const PacketType type = static_cast<PacketType>(text[0] - '0');
  std::size_t i = 1;

  std::size_t attachments = 0;
  if (is_binary_type(type)) {
    std::size_t dash = text.find('-', i);
    if (dash == std::string_view::npos || dash == i) return fail("illegal attachments");
    for (std::size_t k = i; k < dash; ++k)
      if (!is_digit(text[k])) return fail("illegal attachments");
    auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + dash, attachments);
    if (ec == std::errc::result_out_of_range) return fail("too many attachments");
    if (ec != std::errc() || attachments < 1) return fail("illegal attachments");
    if (attachments > options_.max_attachments) return fail("too many attachments");
    i = dash + 1;
  }

  // A namespace runs to the next ',' (consumed) or to the end of the packet.
  if (i < text.size() && text[i] == '/') {
    std::size_t comma = text.find(',', i);
    std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    packet_.nsp.assign(text.substr(i, end - i));
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }

  if (i < text.size() && is_digit(text[i])) {
    std::size_t start = i;
    while (i < text.size() && is_digit(text[i]))
      ++i;
    uint64_t id = 0;
    auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + i, id);
    if (ec != std::errc()) return fail("invalid ack id");
    packet_.id = id;
  }

  if (i < text.size()) {
    json::error_code ec;
    json::parse_options options;
    options.max_depth = options_.max_depth;
    json::value payload = json::parse(text.substr(i), ec, {}, options);
    if (ec) return fail("invalid JSON payload: " + ec.message());
    if (!is_payload_valid(type, payload))
      return fail("invalid payload for " + std::string(type_name(type)));
    packet_.data = std::move(payload);
  } else if (type == PacketType::event || type == PacketType::binary_event) {
    // Stricter than the reference, which lets an event without a name through.
    return fail("EVENT packet without payload");
  }

  if (!is_binary_type(type)) {
    packet_.type = type;
    return Status::ready;
  }
  if (!placeholders_valid(packet_.data, attachments)) return fail("illegal attachments");
  packet_.type = type == PacketType::binary_event ? PacketType::event : PacketType::ack;
  packet_.attachments.reserve(attachments);
  expected_attachments_ = attachments;
  reconstructing_ = true;
  return Status::need_attachment;
}

Decoder::Status Decoder::add_binary(SharedBytes bytes) {
  if (!error_.empty()) return Status::error;
  if (options_.parser == Parser::msgpack) {
    if (!bytes) return fail("missing binary frame");
    auto packet = decode_msgpack(*bytes, options_, error_);
    if (!packet) return fail(std::move(error_));
    packet_ = std::move(*packet);
    return Status::ready;
  }
  if (!reconstructing_) return fail("binary frame received when no attachment was expected");
  if (!bytes) return fail("missing binary frame");
  packet_.attachments.push_back(std::move(bytes));
  if (packet_.attachments.size() < expected_attachments_) return Status::need_attachment;
  reconstructing_ = false;
  expected_attachments_ = 0;
  return Status::ready;
}

std::string_view event_name(const Packet& packet) {
  const json::array* array = packet.data.if_array();
  if (!array || array->empty()) return {};
  const json::string* name = array->front().if_string();
  return name ? std::string_view(*name) : std::string_view();
}

}  // namespace soket::socketio
