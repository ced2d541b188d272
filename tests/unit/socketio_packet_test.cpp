#include "soket/socketio/packet.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <limits>
#include <stdexcept>
#include <string>

namespace soket::socketio {
namespace {

namespace json = boost::json;

Packet make(PacketType type, std::string nsp, std::optional<uint64_t> id, std::string_view data) {
  Packet p;
  p.type = type;
  p.nsp = std::move(nsp);
  p.id = id;
  if (!data.empty()) p.data = json::parse(data);
  return p;
}

std::string text_of(const Packet& p) {
  std::string out;
  encode_text(p, out);
  return out;
}

json::value placeholder(int num) {
  return json::parse(R"({"_placeholder":true,"num":)" + std::to_string(num) + "}");
}

// Decodes one text packet that must complete on its own.
Packet decode_ready(std::string_view text) {
  Decoder d;
  auto status = d.add_text(text);
  EXPECT_EQ(status, Decoder::Status::ready) << text << ": " << d.error();
  return d.take();
}

// Expects `text` to be rejected with an error message.
void expect_rejected(std::string_view text) {
  Decoder d;
  EXPECT_EQ(d.add_text(text), Decoder::Status::error) << "accepted: " << text;
  EXPECT_FALSE(d.error().empty()) << text;
}

// ---- encoding ------------------------------------------------------------------------------

TEST(SocketIoEncode, MatchesReferenceTextForm) {
  EXPECT_EQ(
      text_of(make(PacketType::event, "/", std::nullopt, R"(["message-back",1,"2",{"3":[true]}])")),
      R"(2["message-back",1,"2",{"3":[true]}])");
  EXPECT_EQ(text_of(make(PacketType::ack, "/", 456, R"([1,"2"])")), R"(3456[1,"2"])");
  EXPECT_EQ(text_of(make(PacketType::connect, "/", std::nullopt, R"({"sid":"abc"})")),
            R"(0{"sid":"abc"})");
  EXPECT_EQ(text_of(make(PacketType::connect, "/custom", std::nullopt, R"({"sid":"x"})")),
            R"(0/custom,{"sid":"x"})");
  EXPECT_EQ(text_of(make(PacketType::connect_error, "/random", std::nullopt,
                         R"({"message":"Invalid namespace"})")),
            R"(4/random,{"message":"Invalid namespace"})");
  EXPECT_EQ(text_of(make(PacketType::disconnect, "/custom", std::nullopt, "")), "1/custom,");
  EXPECT_EQ(text_of(make(PacketType::disconnect, "/", std::nullopt, "")), "1");
  EXPECT_EQ(text_of(make(PacketType::event, "/admin", 12, R"(["x"])")), R"(2/admin,12["x"])");
  EXPECT_EQ(text_of(make(PacketType::ack, "/", 0, "[]")), "30[]");
}

TEST(SocketIoEncode, EmptyNamespaceIsTheRoot) {
  EXPECT_EQ(text_of(make(PacketType::connect, "", std::nullopt, "")), "0");
}

// Found by fuzz_sio_roundtrip: a client's 1e400 is read as infinity, and Boost.JSON wrote it back
// as the bare word Infinity, so relaying `42["m",1e400]` sent every receiver a packet it could not
// parse. Infinity and NaN are written as null now, as JSON.stringify does.
TEST(SocketIoEncode, InfinityAndNanAreWrittenAsNull) {
  Decoder decoder;
  ASSERT_EQ(decoder.add_text(R"(2["m",1e400,-1e400,{"x":[1e999]},"Infinity NaN",1.5])"),
            Decoder::Status::ready);
  auto packet = decoder.take();
  std::string text;
  encode_text(packet, text);
  EXPECT_EQ(text, R"(2["m",null,null,{"x":[null]},"Infinity NaN",1.5])");
  packet.data.as_array().push_back(std::numeric_limits<double>::quiet_NaN());
  auto frames = encode(packet).frames;
  EXPECT_EQ(*frames[0].bytes, R"(42["m",null,null,{"x":[null]},"Infinity NaN",1.5,null])");
  Decoder again;
  EXPECT_EQ(again.add_text(std::string_view(*frames[0].bytes).substr(1)), Decoder::Status::ready);
  // Text that only mentions the words in a string is written as it is.
  EXPECT_EQ(text_of(make(PacketType::event, "/", std::nullopt, R"(["NaN","Infinity"])")),
            R"(2["NaN","Infinity"])");
}

TEST(SocketIoEncode, AppendsToExistingText) {
  std::string out = "4";
  encode_text(make(PacketType::event, "/", std::nullopt, R"(["a"])"), out);
  EXPECT_EQ(out, R"(42["a"])");
}

TEST(SocketIoEncode, FramesCarryEngineIoPrefix) {
  auto encoded = encode(make(PacketType::event, "/", std::nullopt, R"(["hello","world"])"));
  ASSERT_EQ(encoded.frames.size(), 1u);
  EXPECT_FALSE(encoded.frames[0].binary);
  EXPECT_EQ(*encoded.frames[0].bytes, R"(42["hello","world"])");
}

TEST(SocketIoEncode, BinaryEventAndAckWithAttachments) {
  Packet p = make(PacketType::event, "/", std::nullopt, "");
  p.data = json::array{"x", placeholder(0), placeholder(1)};
  p.attachments = {make_shared_bytes(std::string("\x01\x02", 2)),
                   make_shared_bytes(std::string("\x03\x04\x00", 3))};
  auto encoded = encode(p);
  ASSERT_EQ(encoded.frames.size(), 3u);
  EXPECT_EQ(*encoded.frames[0].bytes,
            R"(452-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  EXPECT_FALSE(encoded.frames[0].binary);
  EXPECT_TRUE(encoded.frames[1].binary);
  EXPECT_TRUE(encoded.frames[2].binary);
  // The attachment bytes are shared, not copied.
  EXPECT_EQ(encoded.frames[1].bytes, p.attachments[0]);
  EXPECT_EQ(*encoded.frames[2].bytes, std::string("\x03\x04\x00", 3));

  Packet ack = make(PacketType::ack, "/", 789, "");
  ack.data = json::array{placeholder(0), placeholder(1)};
  ack.attachments = p.attachments;
  EXPECT_EQ(text_of(ack), R"(62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");

  Packet nsp = make(PacketType::event, "/admin", std::nullopt, "");
  nsp.data = json::array{"baz", placeholder(0)};
  nsp.attachments = {make_shared_bytes(std::string("ab"))};
  EXPECT_EQ(text_of(nsp), R"(51-/admin,["baz",{"_placeholder":true,"num":0}])");
}

TEST(SocketIoEncode, BinaryTypeWithoutAttachmentsIsPlain) {
  EXPECT_EQ(text_of(make(PacketType::binary_event, "/", std::nullopt, R"(["a"])")), R"(2["a"])");
  EXPECT_EQ(text_of(make(PacketType::binary_ack, "/", 3, R"([])")), "33[]");
}

TEST(SocketIoEncode, RejectsProgrammingErrors) {
  EXPECT_THROW(text_of(make(PacketType::event, "/a,b", std::nullopt, R"(["x"])")),
               std::invalid_argument);
  Packet connect = make(PacketType::connect, "/", std::nullopt, "{}");
  connect.attachments = {make_shared_bytes(std::string("x"))};
  EXPECT_THROW(encode(connect), std::invalid_argument);
  // The failed encode leaves nothing behind for the next one.
  EXPECT_EQ(*encode(make(PacketType::connect, "/", std::nullopt, "")).frames[0].bytes, "40");
}

TEST(SocketIoEncode, LargePayload) {
  std::string big(200000, 'z');
  Packet p = make(PacketType::event, "/", std::nullopt, "");
  p.data = json::array{"big", json::string(big)};
  auto encoded = encode(p);
  EXPECT_EQ(*encoded.frames[0].bytes, "42[\"big\",\"" + big + "\"]");
  // A small packet right after is still exact.
  EXPECT_EQ(*encode(make(PacketType::event, "/", 1, R"(["s"])")).frames[0].bytes, R"(421["s"])");
}

// ---- decoding ------------------------------------------------------------------------------

TEST(SocketIoDecode, Connect) {
  Packet p = decode_ready("0");
  EXPECT_EQ(p.type, PacketType::connect);
  EXPECT_EQ(p.nsp, "/");
  EXPECT_FALSE(p.id);
  EXPECT_TRUE(p.data.is_null());

  p = decode_ready(R"(0{"token":"123"})");
  EXPECT_EQ(p.data, json::parse(R"({"token":"123"})"));

  p = decode_ready("0/custom,");
  EXPECT_EQ(p.nsp, "/custom");
  EXPECT_TRUE(p.data.is_null());

  p = decode_ready(R"(0/custom,{"token":"abc"})");
  EXPECT_EQ(p.nsp, "/custom");
  EXPECT_EQ(p.data, json::parse(R"({"token":"abc"})"));
}

TEST(SocketIoDecode, NamespaceWithoutTrailingCommaAtEnd) {
  Packet p = decode_ready("0/random");
  EXPECT_EQ(p.type, PacketType::connect);
  EXPECT_EQ(p.nsp, "/random");
  p = decode_ready("1/custom");
  EXPECT_EQ(p.type, PacketType::disconnect);
  EXPECT_EQ(p.nsp, "/custom");
}

TEST(SocketIoDecode, Disconnect) {
  Packet p = decode_ready("1");
  EXPECT_EQ(p.type, PacketType::disconnect);
  EXPECT_EQ(p.nsp, "/");
  p = decode_ready("1/custom,");
  EXPECT_EQ(p.nsp, "/custom");
}

TEST(SocketIoDecode, EventWithAckIdAndNamespace) {
  Packet p = decode_ready(R"(2["message",1,"2",{"3":[true]}])");
  EXPECT_EQ(p.type, PacketType::event);
  EXPECT_FALSE(p.id);
  EXPECT_EQ(event_name(p), "message");
  EXPECT_EQ(p.data, json::parse(R"(["message",1,"2",{"3":[true]}])"));

  p = decode_ready(R"(2456["message-with-ack",1,"2",{"3":[false]}])");
  ASSERT_TRUE(p.id);
  EXPECT_EQ(*p.id, 456u);
  EXPECT_EQ(event_name(p), "message-with-ack");

  p = decode_ready(R"(2/admin,12["x"])");
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_EQ(*p.id, 12u);
  EXPECT_EQ(event_name(p), "x");

  p = decode_ready(R"(218446744073709551615["max"])");
  EXPECT_EQ(*p.id, 18446744073709551615u);
}

TEST(SocketIoDecode, EventNamedByNumberIsAccepted) {
  Packet p = decode_ready("2[42,\"a\"]");
  EXPECT_EQ(p.type, PacketType::event);
  EXPECT_EQ(event_name(p), "");
}

TEST(SocketIoDecode, AckAndConnectError) {
  Packet p = decode_ready(R"(3456[1,"2"])");
  EXPECT_EQ(p.type, PacketType::ack);
  EXPECT_EQ(*p.id, 456u);
  EXPECT_EQ(p.data, json::parse(R"([1,"2"])"));

  p = decode_ready("31[]");
  EXPECT_EQ(p.data, json::array());

  p = decode_ready(R"(4/random,{"message":"Invalid namespace"})");
  EXPECT_EQ(p.type, PacketType::connect_error);
  EXPECT_EQ(p.nsp, "/random");
  EXPECT_EQ(p.data.at("message"), "Invalid namespace");

  p = decode_ready(R"(4"not allowed")");
  EXPECT_EQ(p.data, "not allowed");
}

TEST(SocketIoDecode, RoundTripsEveryType) {
  const Packet packets[] = {
      make(PacketType::connect, "/", std::nullopt, ""),
      make(PacketType::connect, "/a", std::nullopt, R"({"k":[1,2,{"x":null}]})"),
      make(PacketType::disconnect, "/chat", std::nullopt, ""),
      make(PacketType::event, "/", std::nullopt, R"(["ev",{"a":"b\"c\n"},[1,2.5,-3],null])"),
      make(PacketType::event, "/n", 7, R"(["ev"])"),
      make(PacketType::ack, "/", 0, R"([])"),
      make(PacketType::ack, "/n/x", 99, R"([{"ok":true},"é"])"),
      make(PacketType::connect_error, "/", std::nullopt, R"({"message":"no","data":{"c":1}})"),
      make(PacketType::connect_error, "/x", std::nullopt, R"("plain")"),
  };
  for (const Packet& original : packets) {
    auto encoded = encode(original);
    ASSERT_EQ(encoded.frames.size(), 1u);
    const std::string& text = *encoded.frames[0].bytes;
    ASSERT_EQ(text[0], '4');
    Packet back = decode_ready(std::string_view(text).substr(1));
    EXPECT_EQ(back.type, original.type) << text;
    EXPECT_EQ(back.nsp, original.nsp) << text;
    EXPECT_EQ(back.id, original.id) << text;
    EXPECT_EQ(back.data, original.data) << text;
    EXPECT_TRUE(back.attachments.empty());
  }
}

TEST(SocketIoDecode, BinaryEventWithAttachments) {
  Decoder d;
  ASSERT_EQ(
      d.add_text(R"(52-["hello",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"),
      Decoder::Status::need_attachment)
      << d.error();
  EXPECT_EQ(d.add_binary(make_shared_bytes(std::string("\x01\x02\x03", 3))),
            Decoder::Status::need_attachment);
  EXPECT_EQ(d.add_binary(make_shared_bytes(std::string("\x04\x05\x06", 3))),
            Decoder::Status::ready);
  Packet p = d.take();
  EXPECT_EQ(p.type, PacketType::event);  // like the reference, the binary variant is folded
  EXPECT_EQ(event_name(p), "hello");
  ASSERT_EQ(p.attachments.size(), 2u);
  EXPECT_EQ(*p.attachments[0], std::string("\x01\x02\x03", 3));
  EXPECT_EQ(*p.attachments[1], std::string("\x04\x05\x06", 3));
  EXPECT_TRUE(is_placeholder(p.data.as_array()[1], p.attachments.size()));
  EXPECT_TRUE(is_placeholder(p.data.as_array()[2], p.attachments.size()));
  EXPECT_FALSE(is_placeholder(p.data.as_array()[0], p.attachments.size()));

  // The decoder is ready for the next packet.
  EXPECT_EQ(d.add_text(R"(2["after"])"), Decoder::Status::ready);
  EXPECT_EQ(event_name(d.take()), "after");
}

TEST(SocketIoDecode, BinaryAckWithNamespaceAndId) {
  Decoder d;
  ASSERT_EQ(d.add_text(R"(61-/admin,789[{"_placeholder":true,"num":0}])"),
            Decoder::Status::need_attachment)
      << d.error();
  ASSERT_EQ(d.add_binary(make_shared_bytes(std::string("bin"))), Decoder::Status::ready);
  Packet p = d.take();
  EXPECT_EQ(p.type, PacketType::ack);
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_EQ(*p.id, 789u);
  ASSERT_EQ(p.attachments.size(), 1u);
  EXPECT_EQ(*p.attachments[0], "bin");
}

TEST(SocketIoDecode, NestedPlaceholdersRoundTrip) {
  Packet original = make(PacketType::event, "/n", 5, "");
  json::object inner;
  inner["file"] = placeholder(1);
  inner["list"] = json::array{1, placeholder(0), json::array{placeholder(2)}};
  original.data = json::array{"upload", inner};
  original.attachments = {make_shared_bytes(std::string("zero")), make_shared_bytes(std::string()),
                          make_shared_bytes(std::string("\xff\x00", 2))};
  auto encoded = encode(original);
  ASSERT_EQ(encoded.frames.size(), 4u);
  ASSERT_EQ(encoded.frames[0].bytes->substr(0, 6), "453-/n");

  Decoder d;
  ASSERT_EQ(d.add_text(std::string_view(*encoded.frames[0].bytes).substr(1)),
            Decoder::Status::need_attachment)
      << d.error();
  EXPECT_EQ(d.add_binary(encoded.frames[1].bytes), Decoder::Status::need_attachment);
  EXPECT_EQ(d.add_binary(encoded.frames[2].bytes), Decoder::Status::need_attachment);
  ASSERT_EQ(d.add_binary(encoded.frames[3].bytes), Decoder::Status::ready);
  Packet back = d.take();
  EXPECT_EQ(back.type, PacketType::event);
  EXPECT_EQ(back.nsp, "/n");
  EXPECT_EQ(back.id, std::optional<uint64_t>(5));
  EXPECT_EQ(back.data, original.data);
  ASSERT_EQ(back.attachments.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(*back.attachments[i], *original.attachments[i]);
}

TEST(SocketIoDecode, IsPlaceholderChecksIndexAndShape) {
  EXPECT_TRUE(is_placeholder(placeholder(0), 1));
  EXPECT_FALSE(is_placeholder(placeholder(1), 1));
  EXPECT_FALSE(is_placeholder(placeholder(0), 0));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":false,"num":0})"), 1));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":"true","num":0})"), 1));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":true})"), 1));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":true,"num":"0"})"), 1));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":true,"num":-1})"), 1));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":true,"num":0.5})"), 1));
  EXPECT_TRUE(is_placeholder(json::parse(R"({"_placeholder":true,"num":1.0})"), 2));
  EXPECT_FALSE(is_placeholder(json::parse("[0]"), 1));
}

TEST(SocketIoDecode, PlainEventMayContainPlaceholderLookalikes) {
  // Without attachments nothing is reconstructed, so the object is ordinary data.
  Packet p = decode_ready(R"(2["x",{"_placeholder":true,"num":0}])");
  EXPECT_TRUE(p.attachments.empty());
  EXPECT_FALSE(is_placeholder(p.data.as_array()[1], p.attachments.size()));
}

// ---- malformed input -----------------------------------------------------------------------

TEST(SocketIoDecodeErrors, UnknownOrEmptyType) {
  expect_rejected("");
  expect_rejected("abc");
  expect_rejected("7");
  expect_rejected("9[\"x\"]");
  expect_rejected(" 2[\"x\"]");
  expect_rejected("-1");
}

TEST(SocketIoDecodeErrors, InvalidJson) {
  expect_rejected(R"(2abc["message-with-ack",1,"2",{"3":[false]}])");
  expect_rejected(R"(2["x")");
  expect_rejected(R"(2["x"]])");
  expect_rejected(R"(2["x",])");
  expect_rejected(R"(0{"a":1)");
  expect_rejected(R"(3/nsp,1[1,2)");
  expect_rejected("2['x']");
  expect_rejected(R"(0{"a":1}garbage)");
}

TEST(SocketIoDecodeErrors, TooDeepJsonIsRejected) {
  std::string deep = "2[\"x\"," + std::string(100, '[') + std::string(100, ']') + "]";
  expect_rejected(deep);
  Decoder roomy(DecoderOptions{.max_attachments = 10, .max_depth = 200});
  EXPECT_EQ(roomy.add_text(deep), Decoder::Status::ready) << roomy.error();
}

TEST(SocketIoDecodeErrors, ConnectNeedsObjectPayload) {
  expect_rejected("0[]");
  expect_rejected("0\"token\"");
  expect_rejected("0null");
  expect_rejected("0/custom,42x");
  expect_rejected("0/custom,true");
}

TEST(SocketIoDecodeErrors, DisconnectTakesNoPayload) {
  expect_rejected("1{}");
  expect_rejected("1/custom,[]");
  expect_rejected("1\"bye\"");
}

TEST(SocketIoDecodeErrors, EventNeedsValidName) {
  expect_rejected("2{}");  // "42{}" on the wire
  expect_rejected("2[]");
  expect_rejected("2\"x\"");
  expect_rejected("2[null]");
  expect_rejected("2[true,1]");
  expect_rejected("2[{\"a\":1}]");
  expect_rejected("2[[\"x\"]]");
  expect_rejected("2");
  expect_rejected("2/chat,");
  expect_rejected("212");
  for (const char* reserved : {"connect", "connect_error", "disconnect", "disconnecting",
                               "newListener", "removeListener"}) {
    expect_rejected(std::string("2[\"") + reserved + "\"]");
    expect_rejected(std::string("51-[\"") + reserved + R"(",{"_placeholder":true,"num":0}])");
  }
  // Only exact matches are reserved.
  EXPECT_EQ(event_name(decode_ready(R"(2["Connect"])")), "Connect");
  EXPECT_EQ(event_name(decode_ready(R"(2["disconnected"])")), "disconnected");
}

TEST(SocketIoDecodeErrors, AckNeedsArray) {
  expect_rejected("31{}");
  expect_rejected("31\"x\"");
  expect_rejected("31null");
  expect_rejected("611-{\"_placeholder\":true,\"num\":0}");
}

TEST(SocketIoDecodeErrors, ConnectErrorNeedsStringOrObject) {
  expect_rejected("4[]");
  expect_rejected("412x");
  expect_rejected("4/x,true");
}

TEST(SocketIoDecodeErrors, AckIdOverflow) {
  expect_rejected(R"(218446744073709551616["x"])");
}

TEST(SocketIoDecodeErrors, BadAttachmentCount) {
  expect_rejected(R"(5["x",{"_placeholder":true,"num":0}])");    // no count at all
  expect_rejected(R"(5-["x",{"_placeholder":true,"num":0}])");   // empty count
  expect_rejected(R"(50-["x"])");                                // zero attachments
  expect_rejected(R"(5a-["x",{"_placeholder":true,"num":0}])");  // not a number
  expect_rejected(R"(5 1-["x",{"_placeholder":true,"num":0}])");
  expect_rejected(R"(51.0-["x",{"_placeholder":true,"num":0}])");
  expect_rejected(R"(51)");                           // no dash before the end
  expect_rejected(R"(511-["x"])");                    // over the default limit of 10
  expect_rejected(R"(699999999999999999999999-[])");  // overflows
  Decoder roomy(DecoderOptions{.max_attachments = 11});
  EXPECT_EQ(roomy.add_text(R"(511-["x"])"), Decoder::Status::need_attachment) << roomy.error();
}

TEST(SocketIoDecodeErrors, BadPlaceholderIndex) {
  expect_rejected(R"(51-["x",{"_placeholder":true,"num":1}])");
  expect_rejected(R"(51-["x",{"_placeholder":true,"num":-1}])");
  expect_rejected(R"(51-["x",{"_placeholder":true,"num":"0"}])");
  expect_rejected(R"(51-["x",{"_placeholder":true}])");
  expect_rejected(R"(52-["x",{"a":[{"_placeholder":true,"num":2}]}])");  // nested
  expect_rejected(R"(61-1[{"deep":{"_placeholder":true,"num":5}}])");
  // A "_placeholder" that is not exactly true is plain data.
  Decoder d;
  EXPECT_EQ(d.add_text(R"(51-["x",{"_placeholder":1,"num":9}])"), Decoder::Status::need_attachment)
      << d.error();
}

TEST(SocketIoDecodeErrors, UnexpectedBinaryFrame) {
  Decoder d;
  EXPECT_EQ(d.add_binary(make_shared_bytes(std::string("x"))), Decoder::Status::error);
  EXPECT_FALSE(d.error().empty());

  Decoder after;
  ASSERT_EQ(after.add_text(R"(2["x"])"), Decoder::Status::ready);
  after.take();
  EXPECT_EQ(after.add_binary(make_shared_bytes(std::string("x"))), Decoder::Status::error);

  Decoder null_frame;
  ASSERT_EQ(null_frame.add_text(R"(51-["x",{"_placeholder":true,"num":0}])"),
            Decoder::Status::need_attachment);
  EXPECT_EQ(null_frame.add_binary(nullptr), Decoder::Status::error);
}

TEST(SocketIoDecodeErrors, TextWhileWaitingForAttachments) {
  Decoder d;
  ASSERT_EQ(d.add_text(R"(52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"),
            Decoder::Status::need_attachment);
  ASSERT_EQ(d.add_binary(make_shared_bytes(std::string("a"))), Decoder::Status::need_attachment);
  EXPECT_EQ(d.add_text(R"(2["x"])"), Decoder::Status::error);
  EXPECT_FALSE(d.error().empty());
}

TEST(SocketIoDecodeErrors, ErrorIsSticky) {
  Decoder d;
  ASSERT_EQ(d.add_text("2{}"), Decoder::Status::error);
  std::string first = d.error();
  EXPECT_EQ(d.add_text(R"(2["fine"])"), Decoder::Status::error);
  EXPECT_EQ(d.add_binary(make_shared_bytes(std::string("x"))), Decoder::Status::error);
  EXPECT_EQ(d.error(), first);
}

}  // namespace
}  // namespace soket::socketio
