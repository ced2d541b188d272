// The msgpack parser, byte for byte against npm socket.io-msgpack-parser 3.0.2 (notepack.io 2.2).
// The hex strings below were printed once by a throwaway Node script: `new
// Encoder().encode(packet)` for the good packets (each also accepted by its Decoder),
// `notepack.encode(object)` for the bad ones, whose comments quote the error
// socket.io-msgpack-parser's Decoder throws for them.
#include "soket/socketio/msgpack_packet.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>
#include <string>

#include "soket/socketio/packet.hpp"

namespace soket::socketio {
namespace {

namespace json = boost::json;

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Packet make(PacketType type, std::string nsp, std::optional<uint64_t> id, std::string_view data,
            std::vector<std::string> attachments = {}) {
  Packet p;
  p.type = type;
  p.nsp = std::move(nsp);
  p.id = id;
  if (!data.empty()) p.data = json::parse(data);
  for (auto& bytes : attachments)
    p.attachments.push_back(make_shared_bytes(std::move(bytes)));
  return p;
}

// The one binary frame of `packet`, as hex.
std::string encoded_hex(const Packet& packet) {
  auto encoded = encode(packet, Parser::msgpack);
  EXPECT_EQ(encoded.frames.size(), 1u);
  EXPECT_TRUE(encoded.frames.at(0).binary);
  return hex(*encoded.frames.at(0).bytes);
}

Decoder msgpack_decoder() {
  return Decoder(DecoderOptions{.parser = Parser::msgpack});
}

Packet decode_ready(std::string_view hex_bytes) {
  auto d = msgpack_decoder();
  EXPECT_EQ(d.add_binary(make_shared_bytes(unhex(hex_bytes))), Decoder::Status::ready)
      << hex_bytes << ": " << d.error();
  return d.take();
}

// The error `hex_bytes` is refused with.
std::string decode_error(std::string_view hex_bytes) {
  auto d = msgpack_decoder();
  EXPECT_EQ(d.add_binary(make_shared_bytes(unhex(hex_bytes))), Decoder::Status::error)
      << "accepted: " << hex_bytes;
  return d.error();
}

// ---- good packets, both ways
// ---------------------------------------------------------------------

// {type: 0, data: {sid: "abc"}, nsp: "/"}
constexpr std::string_view kConnect = "83a47479706500a46461746181a3736964a3616263a36e7370a12f";
// {type: 0, nsp: "/admin"}
constexpr std::string_view kConnectNoData = "82a47479706500a36e7370a62f61646d696e";
// {type: 1, nsp: "/chat"}
constexpr std::string_view kDisconnect = "82a47479706501a36e7370a52f63686174";
// {type: 2, data: ["hello", 1, {a: true, b: null, c: 1.5, d: -3}], nsp: "/"}
constexpr std::string_view kEvent =
    "83a47479706502a46461746193a568656c6c6f0184a161c3a162c0a163cb3ff8000000000000a164fda36e7370a1"
    "2f";
// {type: 2, data: ["x"], id: 7, nsp: "/chat"}
constexpr std::string_view kEventWithId =
    "84a47479706502a46461746191a178a2696407a36e7370a52f63686174";
// {type: 3, data: ["ok", 42], id: 300, nsp: "/"}
constexpr std::string_view kAck = "84a47479706503a46461746192a26f6b2aa26964cd012ca36e7370a12f";
// {type: 3, data: [], id: 70000, nsp: "/"}
constexpr std::string_view kAckBigId = "84a47479706503a46461746190a26964ce00011170a36e7370a12f";
// {type: 4, data: {message: "Invalid namespace"}, nsp: "/nope"}
constexpr std::string_view kConnectError =
    "83a47479706504a46461746181a76d657373616765b1496e76616c6964206e616d657370616365a36e7370a52f6e"
    "6f7065";
// {type: 4, data: "nope", nsp: "/"}
constexpr std::string_view kConnectErrorString = "83a47479706504a464617461a46e6f7065a36e7370a12f";
// {type: 2, data: ["bin", Buffer [1, 2, 3], {nested: [Buffer []]}], nsp: "/"}
constexpr std::string_view kBinaryEvent =
    "83a47479706502a46461746193a362696ec40301020381a66e657374656491c400a36e7370a12f";
// {type: 3, data: [Buffer "hi"], id: 2, nsp: "/x"}
constexpr std::string_view kBinaryAck = "84a47479706503a46461746191c4026869a2696402a36e7370a22f78";
// {type: 2, data: ["e"], nsp: "/" + "n".repeat(40)}: the namespace is a str 8.
constexpr std::string_view kLongNsp =
    "83a47479706502a46461746191a165a36e7370d9292f6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e"
    "6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e";

TEST(SocketIoMsgpackEncode, MatchesSocketIoMsgpackParser) {
  EXPECT_EQ(encoded_hex(make(PacketType::connect, "/", std::nullopt, R"({"sid":"abc"})")),
            kConnect);
  EXPECT_EQ(encoded_hex(make(PacketType::connect, "/admin", std::nullopt, "")), kConnectNoData);
  EXPECT_EQ(encoded_hex(make(PacketType::disconnect, "/chat", std::nullopt, "")), kDisconnect);
  EXPECT_EQ(encoded_hex(make(PacketType::event, "/", std::nullopt,
                             R"(["hello",1,{"a":true,"b":null,"c":1.5,"d":-3}])")),
            kEvent);
  EXPECT_EQ(encoded_hex(make(PacketType::event, "/chat", 7, R"(["x"])")), kEventWithId);
  EXPECT_EQ(encoded_hex(make(PacketType::ack, "/", 300, R"(["ok",42])")), kAck);
  EXPECT_EQ(encoded_hex(make(PacketType::ack, "/", 70000, "[]")), kAckBigId);
  EXPECT_EQ(encoded_hex(make(PacketType::connect_error, "/nope", std::nullopt,
                             R"({"message":"Invalid namespace"})")),
            kConnectError);
  EXPECT_EQ(encoded_hex(make(PacketType::connect_error, "/", std::nullopt, R"("nope")")),
            kConnectErrorString);
  EXPECT_EQ(
      encoded_hex(make(PacketType::event, "/" + std::string(40, 'n'), std::nullopt, R"(["e"])")),
      kLongNsp);
}

TEST(SocketIoMsgpackEncode, BinariesAreInlineInOneFrame) {
  auto event =
      make(PacketType::event, "/", std::nullopt,
           R"(["bin",{"_placeholder":true,"num":0},{"nested":[{"_placeholder":true,"num":1}]}])",
           {std::string("\x01\x02\x03", 3), std::string()});
  EXPECT_EQ(encoded_hex(event), kBinaryEvent);
  // BINARY_ACK does not exist in this format: written as ACK (3).
  auto ack = make(PacketType::binary_ack, "/x", 2, R"([{"_placeholder":true,"num":0}])", {"hi"});
  EXPECT_EQ(encoded_hex(ack), kBinaryAck);
}

TEST(SocketIoMsgpackEncode, AttachmentsOnlyOnEventsAndAcks) {
  auto connect = make(PacketType::connect, "/", std::nullopt, R"({})", {"x"});
  EXPECT_THROW(encode(connect, Parser::msgpack), std::invalid_argument);
}

TEST(SocketIoMsgpackEncode, CommaInNamespaceIsFine) {
  // Only the text format needs the comma as a separator.
  auto packet = make(PacketType::event, "/a,b", std::nullopt, R"(["x"])");
  EXPECT_EQ(decode_ready(encoded_hex(packet)).nsp, "/a,b");
}

TEST(SocketIoMsgpackEncode, JsonParserIsUnchanged) {
  auto packet = make(PacketType::event, "/", 1, R"(["s"])");
  auto encoded = encode(packet, Parser::json);
  ASSERT_EQ(encoded.frames.size(), 1u);
  EXPECT_FALSE(encoded.frames[0].binary);
  EXPECT_EQ(*encoded.frames[0].bytes, R"(421["s"])");
}

TEST(SocketIoMsgpackDecode, ReadsEveryPacketType) {
  auto connect = decode_ready(kConnect);
  EXPECT_EQ(connect.type, PacketType::connect);
  EXPECT_EQ(connect.nsp, "/");
  EXPECT_EQ(json::serialize(connect.data), R"({"sid":"abc"})");

  auto bare = decode_ready(kConnectNoData);
  EXPECT_EQ(bare.type, PacketType::connect);
  EXPECT_EQ(bare.nsp, "/admin");
  EXPECT_TRUE(bare.data.is_null());

  auto disconnect = decode_ready(kDisconnect);
  EXPECT_EQ(disconnect.type, PacketType::disconnect);
  EXPECT_EQ(disconnect.nsp, "/chat");

  auto event = decode_ready(kEvent);
  EXPECT_EQ(event.type, PacketType::event);
  EXPECT_FALSE(event.id);
  EXPECT_EQ(json::serialize(event.data), R"(["hello",1,{"a":true,"b":null,"c":1.5E0,"d":-3}])");

  auto with_id = decode_ready(kEventWithId);
  EXPECT_EQ(with_id.id, 7u);
  EXPECT_EQ(with_id.nsp, "/chat");

  auto ack = decode_ready(kAck);
  EXPECT_EQ(ack.type, PacketType::ack);
  EXPECT_EQ(ack.id, 300u);
  EXPECT_EQ(decode_ready(kAckBigId).id, 70000u);

  auto error = decode_ready(kConnectError);
  EXPECT_EQ(error.type, PacketType::connect_error);
  EXPECT_EQ(error.nsp, "/nope");
  EXPECT_EQ(decode_ready(kConnectErrorString).data, json::value("nope"));
  EXPECT_EQ(decode_ready(kLongNsp).nsp, "/" + std::string(40, 'n'));
}

TEST(SocketIoMsgpackDecode, BinariesBecomeAttachments) {
  auto event = decode_ready(kBinaryEvent);
  EXPECT_EQ(event.type, PacketType::event);
  ASSERT_EQ(event.attachments.size(), 2u);
  EXPECT_EQ(*event.attachments[0], std::string("\x01\x02\x03", 3));
  EXPECT_EQ(*event.attachments[1], "");
  EXPECT_TRUE(is_placeholder(event.data.as_array()[1], 2));
  EXPECT_TRUE(is_placeholder(event.data.as_array()[2].as_object().at("nested").as_array()[0], 2));

  auto ack = decode_ready(kBinaryAck);
  EXPECT_EQ(ack.type, PacketType::ack);
  EXPECT_EQ(ack.id, 2u);
  ASSERT_EQ(ack.attachments.size(), 1u);
  EXPECT_EQ(*ack.attachments[0], "hi");
}

TEST(SocketIoMsgpackDecode, WhatSocketIoClientSends) {
  // {type: 2, data: ["ev", 1], options: {compress: true}, id: 0, nsp: "/"}: "options" is ignored.
  auto event = decode_ready(
      "85a47479706502a46461746192a2657601a76f7074696f6e7381a8636f6d7072657373c3a2696400a3"
      "6e7370a12f");
  EXPECT_EQ(event.type, PacketType::event);
  EXPECT_EQ(event.id, 0u);
  EXPECT_EQ(json::serialize(event.data), R"(["ev",1])");
  // {type: 0, data: undefined, nsp: "/"}: a CONNECT without auth, undefined as notepack writes it.
  auto connect = decode_ready("83a47479706500a464617461d40000a36e7370a12f");
  EXPECT_EQ(connect.type, PacketType::connect);
  EXPECT_TRUE(connect.data.is_null());
}

TEST(SocketIoMsgpackDecode, RoundTrip) {
  auto packet = make(PacketType::event, "/room", 123456789012ull,
                     R"(["n",{"deep":[[{"_placeholder":true,"num":0}]]},-1.25,"é ✓ 🚀"])",
                     {std::string(70000, 'b')});
  auto decoded = decode_ready(encoded_hex(packet));
  EXPECT_EQ(decoded.nsp, "/room");
  EXPECT_EQ(decoded.id, 123456789012ull);
  EXPECT_EQ(decoded.data, packet.data);
  ASSERT_EQ(decoded.attachments.size(), 1u);
  EXPECT_EQ(*decoded.attachments[0], *packet.attachments[0]);
}

TEST(SocketIoMsgpackDecode, BinariesOutsideDataAreNotAttachments) {
  // {type: 2, nsp: "/admin", data: ["b", 105], 110: Buffer [2d 02 ff], id: 7}: found by
  // fuzz_sio_roundtrip. The reference ignores the unknown key; its binary must not become an
  // attachment that no placeholder names (the packet would not survive a round trip).
  auto stray =
      decode_ready("85a47479706502a36e7370a62f61646d696ea46461746192a162696ec4032d02ffa2696407");
  EXPECT_EQ(json::serialize(stray.data), R"(["b",105])");
  EXPECT_EQ(stray.id, 7u);
  EXPECT_TRUE(stray.attachments.empty());
  // {type: 2, x: Buffer [1], data: ["e", Buffer [2]], nsp: "/"}: the binary after the stray one
  // becomes attachment 0.
  auto renumbered = decode_ready("84a47479706502a178c40101a46461746192a165c40102a36e7370a12f");
  EXPECT_EQ(json::serialize(renumbered.data), R"(["e",{"_placeholder":true,"num":0}])");
  ASSERT_EQ(renumbered.attachments.size(), 1u);
  EXPECT_EQ(*renumbered.attachments[0], std::string(1, '\x02'));
  // {type: 0, x: Buffer [1], nsp: "/"}: a CONNECT whose binary is not in its data is fine.
  auto connect = decode_ready("83a47479706500a178c40101a36e7370a12f");
  EXPECT_EQ(connect.type, PacketType::connect);
  EXPECT_TRUE(connect.attachments.empty());
}

// ---- bad input
// -----------------------------------------------------------------------------------

TEST(SocketIoMsgpackDecode, RefusesWhatTheReferenceRefuses) {
  // [2, "/"]
  EXPECT_EQ(decode_error("9202a12f"), "invalid packet type");
  // {type: "2", data: ["x"], nsp: "/"}
  EXPECT_EQ(decode_error("83a474797065a132a46461746191a178a36e7370a12f"), "invalid packet type");
  // {type: 5, ...}: BINARY_EVENT does not exist in this format
  EXPECT_EQ(decode_error("83a47479706505a46461746191a178a36e7370a12f"), "invalid packet type");
  // {type: 7, ...}
  EXPECT_EQ(decode_error("83a47479706507a46461746191a178a36e7370a12f"), "invalid packet type");
  // {type: -1, ...}
  EXPECT_EQ(decode_error("83a474797065ffa46461746191a178a36e7370a12f"), "invalid packet type");
  // {type: 2.5, ...}
  EXPECT_EQ(decode_error("83a474797065cb4004000000000000a46461746191a178a36e7370a12f"),
            "invalid packet type");
  // {data: ["x"], nsp: "/"}
  EXPECT_EQ(decode_error("82a46461746191a178a36e7370a12f"), "invalid packet type");
  // {type: 2, data: ["x"]}
  EXPECT_EQ(decode_error("82a47479706502a46461746191a178"), "invalid namespace");
  // {type: 2, data: ["x"], nsp: 1}
  EXPECT_EQ(decode_error("83a47479706502a46461746191a178a36e737001"), "invalid namespace");
  // {type: 0, data: "auth", nsp: "/"}
  EXPECT_EQ(decode_error("83a47479706500a464617461a461757468a36e7370a12f"), "invalid payload");
  // {type: 1, data: {}, nsp: "/"}
  EXPECT_EQ(decode_error("83a47479706501a46461746180a36e7370a12f"), "invalid payload");
  // {type: 2, data: {a: 1}, nsp: "/"}
  EXPECT_EQ(decode_error("83a47479706502a46461746181a16101a36e7370a12f"), "invalid payload");
  // {type: 2, nsp: "/"}
  EXPECT_EQ(decode_error("82a47479706502a36e7370a12f"), "invalid payload");
  // {type: 3, data: "x", id: 1, nsp: "/"}
  EXPECT_EQ(decode_error("84a47479706503a464617461a178a2696401a36e7370a12f"), "invalid payload");
  // {type: 4, data: [1], nsp: "/"}
  EXPECT_EQ(decode_error("83a47479706504a4646174619101a36e7370a12f"), "invalid payload");
  // {type: 2, data: ["x"], id: "1", nsp: "/"}
  EXPECT_EQ(decode_error("84a47479706502a46461746191a178a26964a131a36e7370a12f"),
            "invalid packet id");
  // {type: 2, data: ["x"], id: 1.5, nsp: "/"}
  EXPECT_EQ(decode_error("84a47479706502a46461746191a178a26964cb3ff8000000000000a36e7370a12f"),
            "invalid packet id");
}

TEST(SocketIoMsgpackDecode, RefusesMoreThanTheReference) {
  // {type: 2, data: ["x"], id: -1, nsp: "/"}: soket's ack ids are unsigned
  EXPECT_EQ(decode_error("84a47479706502a46461746191a178a26964ffa36e7370a12f"),
            "invalid packet id");
  // {type: 2, data: ["connect"], nsp: "/"}: a reserved event name, as the JSON parser refuses it
  EXPECT_EQ(decode_error("83a47479706502a46461746191a7636f6e6e656374a36e7370a12f"),
            "invalid payload");
  // {type: 2, data: [], nsp: "/"}: an event without a name
  EXPECT_EQ(decode_error("83a47479706502a46461746190a36e7370a12f"), "invalid payload");
  // {type: 0, data: {token: Buffer [1]}, nsp: "/"}: binaries only in events and acks
  EXPECT_EQ(decode_error("83a47479706500a46461746181a5746f6b656ec40101a36e7370a12f"),
            "binary data in a packet that is not an event or ack");
  // {type: 2, data: ["x", {_placeholder: true, num: 1}, Buffer [9]], nsp: "/"}: the map points
  // past the packet's one binary (an attachment count mismatch)
  EXPECT_EQ(decode_error("83a47479706502a46461746193a17882ac5f706c616365686f6c646572c3a36e756d01c4"
                         "0109a36e7370a12f"),
            "illegal attachments");
}

TEST(SocketIoMsgpackDecode, RefusesBrokenMsgpack) {
  std::string truncated(kEventWithId.substr(0, kEventWithId.size() - 2));
  EXPECT_EQ(decode_error(truncated).rfind("invalid msgpack", 0), 0u) << decode_error(truncated);
  EXPECT_EQ(decode_error(std::string(kEventWithId) + "00").rfind("invalid msgpack", 0), 0u);
  EXPECT_EQ(decode_error("c1").rfind("invalid msgpack", 0), 0u);
  EXPECT_EQ(decode_error("").rfind("invalid msgpack", 0), 0u);
  // A str 32 announcing 4 GiB in a 10-byte message.
  EXPECT_EQ(decode_error("81a36e7370dbffffffff2f").rfind("invalid msgpack", 0), 0u);
}

TEST(SocketIoMsgpackDecode, LimitsApply) {
  Packet packet = make(PacketType::event, "/", std::nullopt, R"(["x"])");
  auto& args = packet.data.as_array();
  for (int i = 0; i < 11; ++i) {
    args.push_back(json::parse(R"({"_placeholder":true,"num":)" + std::to_string(i) + "}"));
    packet.attachments.push_back(make_shared_bytes(std::string("b")));
  }
  auto bytes = encode(packet, Parser::msgpack).frames[0].bytes;
  auto d = msgpack_decoder();  // at most 10 attachments by default
  EXPECT_EQ(d.add_binary(bytes), Decoder::Status::error);
  Decoder roomy(DecoderOptions{.max_attachments = 11, .parser = Parser::msgpack});
  EXPECT_EQ(roomy.add_binary(bytes), Decoder::Status::ready) << roomy.error();

  json::parse_options deep_parse;
  deep_parse.max_depth = 64;
  Packet deep = make(PacketType::event, "/", std::nullopt, "");
  deep.data =
      json::parse("[\"x\"," + std::string(40, '[') + std::string(40, ']') + "]", {}, deep_parse);
  auto too_deep = encode(deep, Parser::msgpack);
  auto shallow = msgpack_decoder();  // 32 levels of payload by default
  EXPECT_EQ(shallow.add_binary(too_deep.frames[0].bytes), Decoder::Status::error);
}

TEST(SocketIoMsgpackDecode, TextMessageIsAnError) {
  auto d = msgpack_decoder();
  EXPECT_EQ(d.add_text(R"(2["x"])"), Decoder::Status::error);
  EXPECT_FALSE(d.error().empty());
  // The error is sticky: the connection is closed, nothing more is read.
  EXPECT_EQ(d.add_binary(make_shared_bytes(unhex(kEvent))), Decoder::Status::error);
}

TEST(SocketIoMsgpackDecode, EachMessageIsOnePacket) {
  auto d = msgpack_decoder();
  EXPECT_EQ(d.add_binary(make_shared_bytes(unhex(kBinaryEvent))), Decoder::Status::ready);
  EXPECT_EQ(d.take().attachments.size(), 2u);
  EXPECT_EQ(d.add_binary(make_shared_bytes(unhex(kAck))), Decoder::Status::ready);
  auto ack = d.take();
  EXPECT_EQ(ack.id, 300u);
  EXPECT_TRUE(ack.attachments.empty());
}

TEST(SocketIoMsgpackDecode, JsonParserRefusesAnUnexpectedBinaryMessage) {
  Decoder d;
  EXPECT_EQ(d.add_binary(make_shared_bytes(unhex(kEvent))), Decoder::Status::error);
}

}  // namespace
}  // namespace soket::socketio
