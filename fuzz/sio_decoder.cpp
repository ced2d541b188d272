// The Socket.IO decoder of one connection (socket.io-parser's wire form): text packets and the
// binary attachments a BINARY_EVENT / BINARY_ACK announces. The input is a sequence of Engine.IO
// messages cut at \0: 't' + text or 'b' + bytes each. Completed packets go through what the
// server does next with them (event name, message split, re-encoding).
#include <string>

#include "fuzz_common.hpp"
#include "soket/socketio/event_packet.hpp"
#include "soket/socketio/packet.hpp"

using namespace soket;
using namespace soket::socketio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  DecoderOptions options;
  options.max_attachments = 4;
  Decoder decoder(options);
  for (std::string_view message : fuzz::split(fuzz::as_view(data, size), '\0')) {
    if (message.empty()) continue;
    std::string_view body = message.substr(1);
    auto status =
        message[0] == 'b' ? decoder.add_binary(make_shared_bytes(body)) : decoder.add_text(body);
    if (status == Decoder::Status::error) {
      FUZZ_CHECK(!decoder.error().empty());
      return 0;
    }
    if (status != Decoder::Status::ready) continue;
    Packet packet = decoder.take();
    FUZZ_CHECK(packet.type != PacketType::binary_event && packet.type != PacketType::binary_ack);
    FUZZ_CHECK(packet.attachments.size() <= options.max_attachments);
    for (const auto& bytes : packet.attachments)
      FUZZ_CHECK(bytes != nullptr);
    if (packet.nsp.find(',') != std::string::npos) continue;  // encode() refuses those
    (void)encode(packet);
    (void)encode(packet, Parser::msgpack);
    bool is_event = packet.type == PacketType::event;
    (void)event_name(packet);
    if (is_event || packet.type == PacketType::ack) (void)take_message(packet, is_event);
  }
  return 0;
}
