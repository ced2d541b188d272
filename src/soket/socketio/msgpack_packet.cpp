#include "soket/socketio/msgpack_packet.hpp"

#include <cmath>
#include <stdexcept>

#include "soket/socketio/packet_rules.hpp"
#include "soket/util/msgpack.hpp"

namespace soket::socketio {
namespace {

namespace json = boost::json;

// The type written on the wire: this format has no BINARY_EVENT / BINARY_ACK.
PacketType wire_type(const Packet& packet) {
  switch (packet.type) {
    case PacketType::event:
    case PacketType::binary_event:
      return PacketType::event;
    case PacketType::ack:
    case PacketType::binary_ack:
      return PacketType::ack;
    default:
      if (!packet.attachments.empty())
        throw std::invalid_argument("socket.io: only events and acks can carry attachments");
      return packet.type;
  }
}

// A msgpack str header and its bytes, in the smallest form (fixstr, str 8/16/32) like notepack.
void append_str(std::string_view s, std::string& out) {
  const std::size_t n = s.size();
  if (n < 32) {
    out += static_cast<char>(0xa0 | n);
  } else if (n <= 0xff) {
    out += '\xd9';
    out += static_cast<char>(n);
  } else if (n <= 0xffff) {
    out += '\xda';
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n);
  } else {
    if (n > 0xffffffffu) throw msgpack::Error("msgpack: string longer than 2^32 - 1");
    out += '\xdb';
    for (int shift = 24; shift >= 0; shift -= 8)
      out += static_cast<char>(n >> shift);
  }
  out += s;
}

// An integer as JS's Number.isInteger sees it: int64/uint64, or a double without a fraction.
std::optional<double> integer_of(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double()) &&
      std::floor(v.get_double()) == v.get_double())
    return v.get_double();
  return std::nullopt;
}

// A non-negative ack id that soket can hold (JS would also take -1 or 1e300 here).
std::optional<uint64_t> ack_id_of(const json::value& v) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64()) {
    if (v.get_int64() < 0) return std::nullopt;
    return static_cast<uint64_t>(v.get_int64());
  }
  constexpr double kMaxSafe = 9007199254740991.0;  // 2^53 - 1: exact in a double
  auto d = integer_of(v);
  if (!d || *d < 0 || *d > kMaxSafe) return std::nullopt;
  return static_cast<uint64_t>(*d);
}

// A field that JS would see as undefined. notepack 2 writes undefined (socket.io-client's CONNECT
// without auth: {type: 0, data: undefined}) as fixext 1 of type 0, which the shared codec reads as
// null; so nil counts as undefined too (the reference would refuse a nil `data` or `id`).
bool is_absent(const json::value* field) {
  return !field || field->is_null();
}

// socket.io-msgpack-parser's isDataValid, with `data` absent (undefined) or present.
bool is_data_valid(PacketType type, const json::value* data) {
  if (is_absent(data)) return type == PacketType::connect || type == PacketType::disconnect;
  return is_payload_valid(type, *data);
}

// Rewrites the placeholders in `value` to point into `kept`, moving each binary they name there
// once, in the order they are met; `new_index[i]` is where binary i went.
void keep_referenced(json::value& value, std::vector<SharedBytes>& all,
                     std::vector<SharedBytes>& kept, std::vector<int64_t>& new_index) {
  if (json::array* array = value.if_array()) {
    for (auto& v : *array)
      keep_referenced(v, all, kept, new_index);
    return;
  }
  json::object* object = value.if_object();
  if (!object) return;
  if (is_placeholder(value, all.size())) {
    json::error_code ec;
    const auto i = static_cast<std::size_t>((*object)["num"].to_number<uint64_t>(ec));
    if (new_index[i] < 0) {
      new_index[i] = static_cast<int64_t>(kept.size());
      kept.push_back(all[i]);
    }
    (*object)["num"] = new_index[i];
    return;
  }
  for (auto& kv : *object)
    keep_referenced(kv.value(), all, kept, new_index);
}

// Binaries elsewhere in the packet map (another key, an earlier "data" that a repeated key
// replaced) are not part of the packet: the reference ignores them like any unknown property.
std::vector<SharedBytes> attachments_of(json::value& data, std::vector<SharedBytes>& all) {
  std::vector<SharedBytes> kept;
  if (all.empty()) return kept;
  std::vector<int64_t> new_index(all.size(), -1);
  keep_referenced(data, all, kept, new_index);
  return kept;
}

}  // namespace

EncodedPacket encode_msgpack(const Packet& packet) {
  const PacketType type = wire_type(packet);
  const bool has_data = !packet.data.is_null();
  const std::size_t fields = 2 + (has_data ? 1 : 0) + (packet.id ? 1 : 0);

  std::string out;
  out += static_cast<char>(0x80 | fields);  // fixmap
  append_str("type", out);
  out += static_cast<char>(type);  // positive fixint
  if (has_data) {
    append_str("data", out);
    msgpack::encode(packet.data, packet.attachments, out);
  }
  if (packet.id) {
    append_str("id", out);
    msgpack::encode(json::value(*packet.id), {}, out);
  }
  append_str("nsp", out);
  append_str(packet.nsp, out);

  EncodedPacket encoded;
  encoded.frames.push_back({make_shared_bytes(std::move(out)), true});
  return encoded;
}

std::optional<Packet> decode_msgpack(std::string_view bytes, const DecoderOptions& options,
                                     std::string& error) {
  msgpack::Document document;
  try {
    msgpack::Limits limits;
    limits.max_depth = options.max_depth + 1;  // the packet map holds the payload
    limits.max_attachments = options.max_attachments;
    document = msgpack::decode(bytes, limits);
  } catch (const msgpack::Error& e) {
    error = std::string("invalid msgpack: ") + e.what();
    return std::nullopt;
  }
  json::object* object = document.value.if_object();
  if (!object) {
    error = "invalid packet type";  // what the reference says of a packet that is no object
    return std::nullopt;
  }

  const json::value* type_value = object->if_contains("type");
  auto type_number = type_value ? integer_of(*type_value) : std::nullopt;
  if (!type_number || *type_number < 0 ||
      *type_number > static_cast<double>(PacketType::connect_error)) {
    error = "invalid packet type";
    return std::nullopt;
  }
  Packet packet;
  packet.type = static_cast<PacketType>(static_cast<int>(*type_number));

  const json::value* nsp = object->if_contains("nsp");
  if (!nsp || !nsp->is_string()) {
    error = "invalid namespace";
    return std::nullopt;
  }
  packet.nsp.assign(nsp->get_string().data(), nsp->get_string().size());

  json::value* data = object->if_contains("data");
  if (!is_data_valid(packet.type, data)) {
    error = "invalid payload";
    return std::nullopt;
  }

  if (const json::value* id = object->if_contains("id"); !is_absent(id)) {
    packet.id = ack_id_of(*id);
    if (!packet.id) {
      error = "invalid packet id";
      return std::nullopt;
    }
  }

  if (!is_absent(data)) {
    // A map spelled {"_placeholder":true,"num":9} must not point past this packet's binaries.
    if (!placeholders_valid(*data, document.attachments.size())) {
      error = "illegal attachments";
      return std::nullopt;
    }
    packet.attachments = attachments_of(*data, document.attachments);
    if (!packet.attachments.empty() && packet.type != PacketType::event &&
        packet.type != PacketType::ack) {
      error = "binary data in a packet that is not an event or ack";
      return std::nullopt;
    }
    packet.data = std::move(*data);
  }
  return packet;
}

}  // namespace soket::socketio
