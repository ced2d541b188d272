// Socket.IO packets with the msgpack parser (socket.io-msgpack-parser): every binary message from
// the client is one packet as a msgpack map {type, nsp, data, id}.
#include <string>

#include "fuzz_common.hpp"
#include "soket/socketio/event_packet.hpp"
#include "soket/socketio/msgpack_packet.hpp"
#include "soket/socketio/packet.hpp"

using namespace soket;
using namespace soket::socketio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view bytes = fuzz::as_view(data, size);
  DecoderOptions options;
  options.parser = Parser::msgpack;
  options.max_attachments = 4;
  std::string error;
  auto packet = decode_msgpack(bytes, options, error);
  FUZZ_CHECK(packet.has_value() == error.empty());
  if (packet) {
    FUZZ_CHECK(packet->attachments.size() <= options.max_attachments);
    FUZZ_CHECK(packet->type != PacketType::binary_event && packet->type != PacketType::binary_ack);
    (void)event_name(*packet);
    if (packet->nsp.find(',') == std::string::npos) (void)encode(*packet);
  }

  // The same bytes through a connection's decoder.
  Decoder decoder(options);
  auto status = decoder.add_binary(make_shared_bytes(bytes));
  FUZZ_CHECK((status == Decoder::Status::ready) == packet.has_value());
  return 0;
}
