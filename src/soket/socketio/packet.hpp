#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "soket/engineio/frame.hpp"
#include "soket/util/bytes.hpp"

namespace soket::socketio {

/// The type of a Socket.IO packet, with its number on the wire.
enum class PacketType : uint8_t {
  connect = 0,        ///< joins a namespace (client), or accepts the join (server)
  disconnect = 1,     ///< leaves a namespace
  event = 2,          ///< an event: [name, ...args]
  ack = 3,            ///< the answer to an event that had an ack id
  connect_error = 4,  ///< the server refuses to join a namespace
  binary_event = 5,   ///< an event with binary attachments
  binary_ack = 6,     ///< an ack with binary attachments
};

/// A Socket.IO packet (v5). Binary values stay in `data` as placeholders
/// {"_placeholder":true,"num":i}; `attachments[i]` holds the bytes of placeholder i.
struct Packet {
  PacketType type = PacketType::event;  ///< what the packet is
  std::string nsp = "/";                ///< the namespace it belongs to
  std::optional<uint64_t> id;  ///< ack id: an answer is expected (event), or this is it (ack)
  boost::json::value data;     ///< null when the packet carries no payload
  std::vector<SharedBytes> attachments;  ///< the bytes of the binary placeholders, by number
};

/// How packets travel in Engine.IO messages: Node's `parser` server option.
enum class Parser : uint8_t {
  json,     ///< socket.io-parser: a text message, then one binary message per attachment
  msgpack,  ///< socket.io-msgpack-parser: the whole packet as one binary msgpack message
};

/// An encoded packet: with the JSON parser, frames[0] is the text frame ("4" Engine.IO prefix
/// included), followed by one binary frame per attachment; with msgpack, one binary frame. Encoded
/// once, sent to any number of sockets.
struct EncodedPacket {
  std::vector<engineio::Frame> frames;  ///< the Engine.IO messages, in order
};

/// The same packet (sharing its bytes) with every frame kept out of compression: compress(false).
EncodedPacket uncompressed(const EncodedPacket& packet);

/// Encodes `packet`. A packet with attachments is written as BINARY_EVENT / BINARY_ACK with the
/// attachment count ("52-..."), whatever its `type` says for event/ack; one without attachments as
/// EVENT / ACK. Throws std::invalid_argument for a namespace containing ',' or attachments on a
/// packet that is not an event or ack (both are programming errors).
EncodedPacket encode(const Packet& packet);

/// Encodes `packet` with `parser`: encode() above for JSON, encode_msgpack() for msgpack.
EncodedPacket encode(const Packet& packet, Parser parser);

/// Appends the text form of `packet` (without the Engine.IO prefix) to `out`.
void encode_text(const Packet& packet, std::string& out);

/// True when `data` is a binary placeholder object and `num` is within `attachment_count`.
bool is_placeholder(const boost::json::value& data, std::size_t attachment_count);

/// Limits and format of a Decoder.
struct DecoderOptions {
  std::size_t max_attachments = 10;  ///< a binary packet announcing more is an error
  std::size_t max_depth = 32;        ///< nesting limit of the JSON payload
  Parser parser = Parser::json;      ///< msgpack: binary messages only, one packet each
};

/// Incremental decoder for one connection: text frames, then the binary frames a binary packet
/// announces. Follows the reference parser's validation: anything malformed is an error, after
/// which the connection must be closed (the error is sticky). A completed binary packet comes out
/// as EVENT / ACK with its `attachments` filled, like the reference parser.
/// With Parser::msgpack every binary message is a whole packet and a text message is an error.
class Decoder {
 public:
  /// Where the decoder is after a frame.
  ///
  /// `ready`: a packet is complete, take() it; `need_attachment`: a binary packet waits for more
  /// binary frames; `error`: the input is malformed (see error()), close the connection.
  enum class Status { ready, need_attachment, error };

  Decoder() = default;
  /// A decoder with `options`.
  explicit Decoder(DecoderOptions options) : options_(options) {}

  Status add_text(std::string_view text);  ///< one Engine.IO message, without the '4'
  /// One binary Engine.IO message: an attachment of the pending binary packet, or (msgpack) a whole
  /// packet.
  Status add_binary(SharedBytes bytes);

  /// The completed packet, valid after `ready`; moves it out.
  Packet take() { return std::move(packet_); }
  /// Why decoding failed (empty before an error).
  const std::string& error() const { return error_; }

 private:
  Status fail(std::string message);

  Status parse(std::string_view text);

  DecoderOptions options_;
  Packet packet_;
  std::size_t expected_attachments_ = 0;
  bool reconstructing_ = false;
  std::string error_;
};

/// The event name of an EVENT / BINARY_EVENT packet (the first element of its array); empty when
/// that element is not a string (the reference also accepts a number there).
std::string_view event_name(const Packet& packet);

}  // namespace soket::socketio
