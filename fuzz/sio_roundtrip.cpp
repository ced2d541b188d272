// Round trips of the Socket.IO packet encoders: a packet decoded from the input (byte 0 even: the
// JSON parser's text + attachments cut at \0; odd: one msgpack message) is encoded with the same
// parser and must decode to the same packet.
#include <cmath>
#include <string>

#include "fuzz_common.hpp"
#include "soket/socketio/msgpack_packet.hpp"
#include "soket/socketio/packet.hpp"
#include "soket/util/json_finite.hpp"

using namespace soket;
using namespace soket::socketio;

namespace {

bool same_packet(const Packet& a, const Packet& b) {
  if (a.type != b.type || a.nsp != b.nsp || a.id != b.id) return false;
  // Infinity and NaN (a client's 1e400, a msgpack float) are written as null, like JSON.stringify.
  if (!fuzz::same_json(json_finite::non_finite_as_null(a.data), b.data) &&
      !fuzz::same_json(a.data, b.data))
    return false;
  if (a.attachments.size() != b.attachments.size()) return false;
  for (std::size_t i = 0; i < a.attachments.size(); ++i)
    if (*a.attachments[i] != *b.attachments[i]) return false;
  return true;
}

// Feeds an encoded packet's frames to a fresh decoder; the packet once it is complete.
std::optional<Packet> decode_frames(const EncodedPacket& encoded, const DecoderOptions& options) {
  Decoder decoder(options);
  Decoder::Status status = Decoder::Status::error;
  for (const auto& frame : encoded.frames) {
    if (frame.binary) {
      status = decoder.add_binary(frame.bytes);
    } else {
      std::string_view text = *frame.bytes;
      if (text.empty() || text[0] != '4') return std::nullopt;  // the Engine.IO message prefix
      status = decoder.add_text(text.substr(1));
    }
    if (status == Decoder::Status::error) return std::nullopt;
  }
  if (status != Decoder::Status::ready) return std::nullopt;
  return decoder.take();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  bool msgpack = data[0] & 1;
  std::string_view input = fuzz::as_view(data + 1, size - 1);
  DecoderOptions options;
  options.max_attachments = 4;
  options.parser = msgpack ? Parser::msgpack : Parser::json;

  std::optional<Packet> packet;
  if (msgpack) {
    std::string error;
    packet = decode_msgpack(input, options, error);
  } else {
    Decoder decoder(options);
    auto pieces = fuzz::split(input, '\0', 1 + options.max_attachments);
    auto status = decoder.add_text(pieces[0]);
    for (std::size_t i = 1; i < pieces.size() && status == Decoder::Status::need_attachment; ++i)
      status = decoder.add_binary(make_shared_bytes(pieces[i]));
    if (status == Decoder::Status::ready) packet = decoder.take();
  }
  if (!packet || packet->nsp.find(',') != std::string::npos) return 0;
  // An event named by a number that is not finite (1e400: valid, as for the reference) is written
  // back with a null name, which no parser accepts: such a packet has no round trip.
  if (const auto* args = packet->data.if_array();
      args && !args->empty() &&
      (packet->type == PacketType::event || packet->type == PacketType::binary_event) &&
      args->front().is_double() && !std::isfinite(args->front().get_double()))
    return 0;

  auto back = decode_frames(encode(*packet, options.parser), options);
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(same_packet(*packet, *back));
  return 0;
}
