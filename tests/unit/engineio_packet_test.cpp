#include "soket/engineio/packet.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace soket::engineio {
namespace {

using namespace std::string_literals;

TEST(EngineIoPacket, ParsesEveryTextType) {
  const std::pair<std::string_view, PacketType> cases[] = {
      {"0{\"sid\":\"x\"}", PacketType::open},
      {"1", PacketType::close},
      {"2probe", PacketType::ping},
      {"3", PacketType::pong},
      {"4hello", PacketType::message},
      {"5", PacketType::upgrade},
      {"6", PacketType::noop},
  };
  for (auto [text, type] : cases) {
    auto packet = parse_text_packet(text);
    ASSERT_TRUE(packet) << text;
    EXPECT_EQ(packet->type, type) << text;
    EXPECT_EQ(packet->data, text.substr(1));
    EXPECT_FALSE(packet->binary);
  }
}

TEST(EngineIoPacket, MessageMayBeEmptyOrContainAnything) {
  auto empty = parse_text_packet("4");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->type, PacketType::message);
  EXPECT_EQ(empty->data, "");
  const std::string raw = "4\x1e\n\x00\xff"s;
  auto odd = parse_text_packet(raw);
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->data, "\x1e\n\x00\xff"s);
}

TEST(EngineIoPacket, RejectsEmptyAndUnknownTypes) {
  EXPECT_FALSE(parse_text_packet(""));
  EXPECT_FALSE(parse_text_packet("7"));
  EXPECT_FALSE(parse_text_packet("9hello"));
  EXPECT_FALSE(parse_text_packet("abc"));
  EXPECT_FALSE(parse_text_packet("b4"));  // base64 binary only exists inside a polling payload
  EXPECT_FALSE(parse_text_packet(" 4x"));
}

TEST(EngineIoPayload, SinglePacket) {
  std::vector<std::string> storage;
  auto packets = parse_payload("4hello", storage);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 1u);
  EXPECT_EQ((*packets)[0].type, PacketType::message);
  EXPECT_EQ((*packets)[0].data, "hello");
  EXPECT_TRUE(storage.empty());
}

TEST(EngineIoPayload, SeveralTextPackets) {
  std::vector<std::string> storage;
  auto packets = parse_payload(
      "4test1\x1e"
      "4test2\x1e"
      "2\x1e"
      "4test3",
      storage);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 4u);
  EXPECT_EQ((*packets)[0].data, "test1");
  EXPECT_EQ((*packets)[1].data, "test2");
  EXPECT_EQ((*packets)[2].type, PacketType::ping);
  EXPECT_EQ((*packets)[3].data, "test3");
}

TEST(EngineIoPayload, TextAndBinaryMix) {
  std::vector<std::string> storage;
  auto packets = parse_payload(
      "4hello\x1e"
      "bAQIDBA==\x1e"
      "b\x1e"
      "bAP8=\x1e"
      "4bye",
      storage);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 5u);
  EXPECT_EQ((*packets)[0].data, "hello");
  EXPECT_FALSE((*packets)[0].binary);
  EXPECT_TRUE((*packets)[1].binary);
  EXPECT_EQ((*packets)[1].type, PacketType::message);
  EXPECT_EQ((*packets)[1].data, "\x01\x02\x03\x04"s);
  EXPECT_TRUE((*packets)[2].binary);
  EXPECT_EQ((*packets)[2].data, "");
  EXPECT_EQ((*packets)[3].data, "\x00\xff"s);
  EXPECT_EQ((*packets)[4].data, "bye");
  EXPECT_EQ(storage.size(), 3u);
}

TEST(EngineIoPayload, ManyBinaryPacketsKeepValidViews) {
  // Enough binaries that an unreserved vector would reallocate under the views.
  std::string payload;
  for (int i = 0; i < 50; ++i) {
    if (i) payload += kRecordSeparator;
    payload += "bAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";  // 33 zero bytes, past SSO
  }
  std::vector<std::string> storage;
  auto packets = parse_payload(payload, storage);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 50u);
  for (const auto& p : *packets)
    EXPECT_EQ(p.data, std::string(33, '\0'));
}

TEST(EngineIoPayload, RejectsMalformed) {
  std::vector<std::string> storage;
  EXPECT_FALSE(parse_payload("", storage));     // no packet at all
  EXPECT_FALSE(parse_payload("abc", storage));  // unknown type
  EXPECT_FALSE(
      parse_payload("4a\x1e"
                    "9b",
                    storage));  // one bad packet spoils the payload
  EXPECT_FALSE(
      parse_payload("4a\x1e\x1e"
                    "4b",
                    storage));                        // empty packet in the middle
  EXPECT_FALSE(parse_payload("4a\x1e", storage));     // trailing separator
  EXPECT_FALSE(parse_payload("bAQID!A==", storage));  // invalid base64
  EXPECT_FALSE(parse_payload("bAQIDB", storage));     // bad base64 length
  EXPECT_FALSE(
      parse_payload("4ok\x1e"
                    "bZg=",
                    storage));  // missing padding
}

TEST(EngineIoPayload, Base64NeedsPadding) {
  std::vector<std::string> storage;
  EXPECT_FALSE(parse_payload("bAQI", storage));  // "AQI": 3 characters, padding missing
  auto packets = parse_payload("bAQI=", storage);
  ASSERT_TRUE(packets);
  EXPECT_EQ((*packets)[0].data, "\x01\x02"s);
  packets = parse_payload("bAQID", storage);
  ASSERT_TRUE(packets);
  EXPECT_EQ((*packets)[0].data, "\x01\x02\x03"s);
}

TEST(EngineIoPayload, EncodesTextAndBinaryFrames) {
  std::vector<Frame> frames = {Frame::message("hello"), Frame::binary_message("\x01\x02\x03\x04"),
                               Frame::text("2"), Frame::binary_message("")};
  std::string out = "keep:";
  encode_payload(frames, out);
  EXPECT_EQ(out,
            "keep:4hello\x1e"
            "bAQIDBA==\x1e"
            "2\x1e"
            "b");
}

TEST(EngineIoPayload, EncodeOfNothingIsEmpty) {
  std::string out;
  encode_payload({}, out);
  EXPECT_EQ(out, "");
}

TEST(EngineIoPayload, EncodeThenParseRoundTrips) {
  std::vector<Frame> frames = {Frame::message("a\nb"), Frame::binary_message("\x00\x01\xfe\xff"s),
                               Frame::text("6"), Frame::message("")};
  std::string payload;
  encode_payload(frames, payload);
  std::vector<std::string> storage;
  auto packets = parse_payload(payload, storage);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 4u);
  EXPECT_EQ((*packets)[0].data, "a\nb");
  EXPECT_TRUE((*packets)[1].binary);
  EXPECT_EQ((*packets)[1].data, "\x00\x01\xfe\xff"s);
  EXPECT_EQ((*packets)[2].type, PacketType::noop);
  EXPECT_EQ((*packets)[3].type, PacketType::message);
  EXPECT_EQ((*packets)[3].data, "");
}

}  // namespace
}  // namespace soket::engineio
