#include "soket/gateway/device_message.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

namespace soket::gateway {
namespace {

DeviceMessage parse_ok(std::string_view text) {
  auto result = parse_device_message(text);
  EXPECT_TRUE(result.ok()) << "'" << text << "' -> " << result.error;
  return result.message;
}

std::string parse_error(std::string_view text) {
  auto result = parse_device_message(text);
  EXPECT_FALSE(result.ok()) << "'" << text << "' was accepted";
  return result.error;
}

TEST(DeviceMessage, FreeTextLikeTheCourseSketch) {
  auto m = parse_ok("Hai from ESP8266");
  EXPECT_EQ(m.kind, DeviceMessageKind::text);
  EXPECT_EQ(m.text, "Hai from ESP8266");
  EXPECT_EQ(m.raw, "Hai from ESP8266");
  EXPECT_EQ(parse_ok("  hello world\t").text, "hello world");
  EXPECT_EQ(parse_ok("[boot] ready, heap 30k").kind, DeviceMessageKind::text);
  EXPECT_EQ(parse_ok("Halo dunia 🌱").kind, DeviceMessageKind::text);
}

TEST(DeviceMessage, ReadingsWithEverySeparator) {
  auto m = parse_ok("temp=27.5 hum=61 light=12");
  EXPECT_EQ(m.kind, DeviceMessageKind::readings);
  EXPECT_EQ(m.readings, (std::vector<Reading>{{"temp", 27.5}, {"hum", 61}, {"light", 12}}));
  auto n = parse_ok("a=1,b=-2;c=+3e2\td=.5 , ;e=5.");
  EXPECT_EQ(n.readings,
            (std::vector<Reading>{{"a", 1}, {"b", -2}, {"c", 300}, {"d", 0.5}, {"e", 5}}));
  EXPECT_EQ(parse_ok("sensor.t_1=1").readings[0].key, "sensor.t_1");
  EXPECT_EQ(parse_ok("_x=1").readings[0].key, "_x");
}

TEST(DeviceMessage, NonNumericValuesAreKeptAsFields) {
  auto m = parse_ok("led=on temp=20 code=0x1F v=nan");
  EXPECT_EQ(m.kind, DeviceMessageKind::readings);
  EXPECT_EQ(m.readings, (std::vector<Reading>{{"temp", 20}}));
  EXPECT_EQ(boost::json::serialize(m.fields), R"({"led":"on","code":"0x1F","v":"nan"})");
  auto only_text = parse_ok("state=night");
  EXPECT_TRUE(only_text.readings.empty());
  EXPECT_EQ(only_text.fields.at("state").as_string(), "night");
}

TEST(DeviceMessage, MalformedReadings) {
  EXPECT_EQ(parse_error("temp="), "missing value for 'temp'");
  EXPECT_EQ(parse_error("=5"), "missing key in '=5'");
  EXPECT_EQ(parse_error("temp=1 hum"), "'hum' is not key=value");
  EXPECT_EQ(parse_error("temp=1 temp=2"), "duplicate key 'temp'");
  EXPECT_EQ(parse_error("led=on led=off"), "duplicate key 'led'");
  EXPECT_EQ(parse_error("a=b=c"), "more than one '=' in 'a=b=c'");
  EXPECT_EQ(parse_error("-x=1").rfind("invalid key '-x'", 0), 0u);
  EXPECT_EQ(parse_error("t/x=1").rfind("invalid key 't/x'", 0), 0u);
  EXPECT_EQ(parse_error(std::string(65, 'k') + "=1").rfind("invalid key '", 0), 0u);
}

TEST(DeviceMessage, LongInputIsCutInErrorReasons) {
  EXPECT_EQ(parse_error("x=1 " + std::string(100, 'y')),
            "'" + std::string(32, 'y') + "...' is not key=value");
  // Cut before a multi-byte character, never inside it.
  EXPECT_EQ(parse_error("x=1 " + std::string(31, 'y') + "\xc3\xa9zzz"),
            "'" + std::string(31, 'y') + "...' is not key=value");
}

TEST(DeviceMessage, JsonObject) {
  auto m =
      parse_ok(R"( {"temp": 27.5, "hum": 61, "big": 18446744073709551615, "name": "greenhouse", )"
               R"("on": true, "tags": ["a"], "pos": {"x": 1}, "none": null})");
  EXPECT_EQ(m.kind, DeviceMessageKind::json);
  ASSERT_EQ(m.readings.size(), 3u);
  EXPECT_EQ(m.readings[0], (Reading{"temp", 27.5}));
  EXPECT_EQ(m.readings[1], (Reading{"hum", 61}));
  EXPECT_EQ(m.readings[2].key, "big");
  EXPECT_EQ(boost::json::serialize(m.fields),
            R"({"name":"greenhouse","on":true,"tags":["a"],"pos":{"x":1},"none":null})");
  EXPECT_EQ(parse_ok("{}").kind, DeviceMessageKind::json);
}

TEST(DeviceMessage, MalformedJson) {
  EXPECT_EQ(parse_error(R"({"temp": 27.5)").rfind("invalid JSON: ", 0), 0u);
  EXPECT_EQ(parse_error("{broken").rfind("invalid JSON: ", 0), 0u);
  EXPECT_EQ(parse_error(R"({"a":1} {"b":2})").rfind("invalid JSON: ", 0), 0u);
  EXPECT_EQ(parse_error(R"({"a":1} x)").rfind("invalid JSON: ", 0), 0u);
  EXPECT_EQ(parse_error(R"({"bad key": 1})").rfind("invalid key 'bad key'", 0), 0u);
  // A JSON escape puts a control character in a key; the reason stays one printable line.
  EXPECT_EQ(parse_error(R"({"\rkind\u0001": 1})").rfind(R"(invalid key '\x0Dkind\x01')", 0), 0u);
  EXPECT_EQ(parse_error(R"({"a\tb": 1})").rfind(R"(invalid key 'a\x09b')", 0), 0u);
  EXPECT_FALSE(parse_device_message(R"({"x": 1e999})").ok());
  EXPECT_FALSE(parse_device_message(R"({"x": 1)" + std::string(100, '[')).ok());
}

TEST(DeviceMessage, Hello) {
  auto m = parse_ok("HELLO greenhouse-1");
  EXPECT_EQ(m.kind, DeviceMessageKind::hello);
  EXPECT_EQ(m.device_id, "greenhouse-1");
  EXPECT_EQ(m.token, "");
  auto t = parse_ok("HELLO  lamp.gang_3\ts3cr3t!#");
  EXPECT_EQ(t.device_id, "lamp.gang_3");
  EXPECT_EQ(t.token, "s3cr3t!#");
  EXPECT_EQ(parse_ok(std::string("HELLO ") + std::string(64, 'd')).device_id, std::string(64, 'd'));
  auto attributes = parse_ok("HELLO lamp-1 s3cret group=gang-1 kind=lamp");
  EXPECT_EQ(attributes.token, "s3cret");
  EXPECT_EQ(attributes.fields.at("group").as_string(), "gang-1");
  EXPECT_EQ(attributes.fields.at("kind").as_string(), "lamp");
  auto no_token = parse_ok("HELLO light-1 kind=light");
  EXPECT_EQ(no_token.token, "");
  EXPECT_EQ(no_token.fields.at("kind").as_string(), "light");
  // Only the upper-case keyword: "Hello there" is a device saying hello in free text.
  EXPECT_EQ(parse_ok("Hello there").kind, DeviceMessageKind::text);
}

TEST(DeviceMessage, MalformedHello) {
  EXPECT_EQ(parse_error("HELLO"), "HELLO needs a device id: HELLO <device-id> [token]");
  EXPECT_EQ(parse_error("HELLO   "), "HELLO needs a device id: HELLO <device-id> [token]");
  EXPECT_EQ(parse_error("HELLO a b c"), "HELLO attributes are key=value, not 'c'");
  EXPECT_EQ(parse_error("HELLO a group=x group=y"), "duplicate key 'group'");
  EXPECT_EQ(parse_error("HELLO a kind=la/mp"), "invalid value for HELLO attribute 'kind'");
  EXPECT_EQ(parse_error("HELLO a =lamp"), "invalid HELLO attribute '=lamp'");
  EXPECT_EQ(parse_error("HELLO a x=1 x2=1 x3=1 x4=1 x5=1 x6=1 x7=1 x8=1 x9=1"),
            "HELLO has too many attributes (at most 8)");
  EXPECT_EQ(parse_error("HELLO bad/id").rfind("invalid device id 'bad/id': ", 0), 0u);
  EXPECT_EQ(parse_error("HELLO -lead").rfind("invalid device id '-lead'", 0), 0u);
  EXPECT_EQ(parse_error("HELLO " + std::string(65, 'd')).rfind("invalid device id '", 0), 0u);
  EXPECT_EQ(parse_error("HELLO dev " + std::string(257, 't')), "token too long");
  EXPECT_EQ(parse_error("HELLO dev tökén"), "token must be printable ASCII");
}

TEST(DeviceMessage, DeviceIdRules) {
  EXPECT_TRUE(is_valid_device_id("esp8266"));
  EXPECT_TRUE(is_valid_device_id("A.b_c-9"));
  EXPECT_TRUE(is_valid_device_id("7"));
  EXPECT_FALSE(is_valid_device_id(""));
  EXPECT_FALSE(is_valid_device_id("_x"));
  EXPECT_FALSE(is_valid_device_id("a b"));
  EXPECT_FALSE(is_valid_device_id("a:b"));
  EXPECT_FALSE(is_valid_device_id("ä"));
  EXPECT_TRUE(is_valid_device_id(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_device_id(std::string(65, 'a')));
}

TEST(DeviceMessage, Replies) {
  auto ok = parse_ok("OK");
  EXPECT_EQ(ok.kind, DeviceMessageKind::reply);
  EXPECT_EQ(ok.reply_status, ReplyStatus::ok);
  EXPECT_EQ(ok.reply_detail, "");
  auto ack = parse_ok("ACK led-on done");
  EXPECT_EQ(ack.kind, DeviceMessageKind::reply);
  EXPECT_EQ(ack.reply_status, ReplyStatus::ack);
  EXPECT_EQ(ack.reply_detail, "led-on done");
  auto err = parse_ok("ERR unknown command");
  EXPECT_EQ(err.reply_status, ReplyStatus::err);
  EXPECT_EQ(err.reply_detail, "unknown command");
  EXPECT_EQ(parse_ok("ACK").reply_status, ReplyStatus::ack);
  // Words that only start like a keyword are text.
  EXPECT_EQ(parse_ok("OKAY").kind, DeviceMessageKind::text);
  EXPECT_EQ(parse_ok("ACKNOWLEDGED").kind, DeviceMessageKind::text);
  EXPECT_EQ(parse_ok("ok").kind, DeviceMessageKind::text);
}

TEST(DeviceMessage, ControlCharactersAndBadUtf8AreRefused) {
  EXPECT_EQ(parse_error(std::string("a\x01b")), "control character in message");
  EXPECT_EQ(parse_error(std::string("temp=1\rhum=2")), "control character in message");
  EXPECT_EQ(parse_error(std::string("a\0b", 3)), "control character in message");
  EXPECT_EQ(parse_error("a\x7f"), "control character in message");
  EXPECT_EQ(parse_error("\xff\xfe"), "invalid UTF-8");
  EXPECT_EQ(parse_error("\xc0\xaf"), "invalid UTF-8");      // overlong '/'
  EXPECT_EQ(parse_error("\xed\xa0\x80"), "invalid UTF-8");  // surrogate
  EXPECT_EQ(parse_error("caf\xc3"), "invalid UTF-8");       // cut short
  EXPECT_EQ(parse_ok("tab\tseparated").kind, DeviceMessageKind::text);
}

TEST(DeviceMessage, EmptyIsAnError) {
  EXPECT_EQ(parse_error(""), "empty message");
  EXPECT_EQ(parse_error(" \t "), "empty message");
}

}  // namespace
}  // namespace soket::gateway
