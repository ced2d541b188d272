#include "soket/engineio/payload_v3.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace soket::engineio {
namespace {

using namespace std::string_literals;

std::vector<std::string> texts(const std::vector<PacketView>& packets) {
  std::vector<std::string> out;
  for (const auto& p : packets)
    out.push_back(std::string(1, static_cast<char>(p.type)) + std::string(p.data));
  return out;
}

TEST(EngineIoPayloadV3, CountsUtf16CodeUnits) {
  EXPECT_EQ(utf16_length("abc"), 3u);
  EXPECT_EQ(utf16_length("\xc3\xa9"), 1u);          // é: 2 bytes, 1 unit
  EXPECT_EQ(utf16_length("\xe2\x82\xac"), 1u);      // €: 3 bytes, 1 unit
  EXPECT_EQ(utf16_length("\xf0\x9f\x98\x80"), 2u);  // 😀: 4 bytes, a surrogate pair
}

TEST(EngineIoPayloadV3, ParsesTextPayload) {
  std::vector<std::string> storage;
  auto packets = parse_payload_v3("6:4hello2:2x1:6", storage);
  ASSERT_TRUE(packets);
  EXPECT_EQ(texts(*packets), (std::vector<std::string>{"4hello", "2x", "6"}));
  EXPECT_TRUE(parse_payload_v3("0:", storage));
  EXPECT_TRUE(parse_payload_v3("0:", storage)->empty());
}

TEST(EngineIoPayloadV3, LengthsAreUtf16CodeUnits) {
  std::vector<std::string> storage;
  // "4é€😀" is 1 + 1 + 1 + 2 = 5 code units but 10 bytes.
  auto packets = parse_payload_v3(
      "5:4\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
      "2:3p",
      storage);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 2u);
  EXPECT_EQ((*packets)[0].data, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  EXPECT_EQ((*packets)[1].type, PacketType::pong);
  // A length that ends inside a surrogate pair is malformed.
  EXPECT_FALSE(parse_payload_v3("2:4\xf0\x9f\x98\x80", storage));
}

TEST(EngineIoPayloadV3, DecodesBase64BinaryPackets) {
  std::vector<std::string> storage;
  auto packets = parse_payload_v3("6:b4AQID2:4a", storage);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 2u);
  EXPECT_TRUE((*packets)[0].binary);
  EXPECT_EQ((*packets)[0].data, "\x01\x02\x03"s);
  EXPECT_EQ((*packets)[1].data, "a");
}

TEST(EngineIoPayloadV3, RefusesMalformedTextPayloads) {
  std::vector<std::string> storage;
  for (std::string_view bad : {"", "4hello", ":4", "x:4", "9:4hello", "6:4hello3", "2:9x", "3:b4!",
                               "4:b1AA", "99999999999:4"}) {
    EXPECT_FALSE(parse_payload_v3(bad, storage)) << bad;
  }
}

TEST(EngineIoPayloadV3, ParsesBinaryPayload) {
  // A string "4hi" (3 bytes) then a binary message of bytes 1 2 (3 with its type byte).
  std::string payload =
      "\x00\x03\xff"
      "4hi"
      "\x01\x03\xff\x04\x01\x02"s;
  auto packets = parse_binary_payload_v3(payload);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 2u);
  EXPECT_EQ((*packets)[0].data, "hi");
  EXPECT_FALSE((*packets)[0].binary);
  EXPECT_EQ((*packets)[1].data, "\x01\x02"s);
  EXPECT_TRUE((*packets)[1].binary);
}

TEST(EngineIoPayloadV3, RefusesMalformedBinaryPayloads) {
  for (std::string bad : {""s,
                          "\x02\x01\xff"
                          "4"s,
                          "\x00\x05\xff"
                          "4hi"s,
                          "\x00\x0a\xff"
                          "4hi"s,
                          "\x00\x03"
                          "4hi"s,
                          "\x01\x02\xff\x02\x01"s}) {
    EXPECT_FALSE(parse_binary_payload_v3(bad)) << bad.size();
  }
}

TEST(EngineIoPayloadV3, EncodesTextPayload) {
  std::vector<Frame> frames{Frame::text("4h\xc3\xa9"), Frame::binary_message("\x01\x02\x03"s),
                            Frame::text("6")};
  std::string out;
  EXPECT_FALSE(encode_payload_v3(frames, false, out));
  EXPECT_EQ(out,
            "3:4h\xc3\xa9"
            "6:b4AQID1:6");
  out.clear();
  EXPECT_FALSE(encode_payload_v3({}, true, out));
  EXPECT_EQ(out, "0:");
}

TEST(EngineIoPayloadV3, EncodesBinaryPayloadWhenTheClientSupportsIt) {
  std::vector<Frame> frames{Frame::text("4h\xc3\xa9"), Frame::binary_message("\x01\x02"s)};
  std::string out;
  EXPECT_TRUE(encode_payload_v3(frames, true, out));
  EXPECT_EQ(out,
            "\x00\x04\xff"
            "4h\xc3\xa9"
            "\x01\x03\xff\x04\x01\x02"s);
  // And it reads back.
  auto packets = parse_binary_payload_v3(out);
  ASSERT_TRUE(packets);
  EXPECT_EQ((*packets)[0].data, "h\xc3\xa9");
  EXPECT_EQ((*packets)[1].data, "\x01\x02"s);
}

TEST(EngineIoPayloadV3, TextOnlyPayloadStaysTextEvenWithBinarySupport) {
  std::vector<Frame> frames{Frame::text("4a")};
  std::string out;
  EXPECT_FALSE(encode_payload_v3(frames, true, out));
  EXPECT_EQ(out, "2:4a");
}

}  // namespace
}  // namespace soket::engineio
