#include "soket/socketio/session_store.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "soket/socketio/adapter.hpp"

namespace soket::socketio {
namespace {

using namespace std::chrono_literals;

ConnectionStateRecoveryOptions keeping(std::chrono::milliseconds duration) {
  ConnectionStateRecoveryOptions options;
  options.max_disconnection_duration = duration;
  return options;
}

Packet event(std::string_view name, std::string filler = {}) {
  Packet packet;
  packet.type = PacketType::event;
  packet.data = boost::json::array{name, 1};
  if (!filler.empty()) packet.data.get_array().emplace_back(filler);
  return packet;
}

BroadcastOptions to(std::vector<Room> rooms, std::vector<Room> except = {}) {
  BroadcastOptions options;
  options.rooms = std::move(rooms);
  options.except = std::move(except);
  return options;
}

// The text of an encoded packet without the Engine.IO prefix.
std::string text_of(const EncodedPacket& packet) {
  auto text = *packet.frames.at(0).bytes;
  return text.substr(1);
}

// Stores an event and returns the offset the store gave it.
std::string store(SessionStore& sessions, std::string_view name, const BroadcastOptions& options) {
  auto packet = event(name);
  auto encoded = sessions.store(packet, options);
  auto args = boost::json::parse(text_of(encoded).substr(1)).as_array();
  EXPECT_EQ(args.size(), 3u);
  EXPECT_EQ(args[0].as_string(), name);
  return std::string(args.back().as_string());
}

SocketSession session(std::string pid, std::vector<Room> rooms, std::string start) {
  return SocketSession{
      "sid-" + pid, std::move(pid), std::move(rooms), {{"k", "v"}}, std::move(start)};
}

TEST(SessionStore, OffsetsAreAddedLastAndDistinct) {
  SessionStore sessions(keeping(60s), Parser::json);
  auto a = store(sessions, "a", {});
  auto b = store(sessions, "b", {});
  EXPECT_NE(a, b);
  EXPECT_EQ(sessions.packet_count(), 2u);
  EXPECT_EQ(sessions.last_offset(), b);
}

TEST(SessionStore, RestoresAfterTheOffsetWithTheRoomsOfTheSession) {
  SessionStore sessions(keeping(60s), Parser::json);
  auto start = sessions.last_offset();
  auto first = store(sessions, "all", {});
  store(sessions, "lab", to({"lab"}));
  store(sessions, "other", to({"other"}));
  store(sessions, "not-lab", to({}, {"lab"}));
  store(sessions, "own", to({"sid-p"}));
  sessions.persist(session("p", {"sid-p", "lab"}, start));
  auto restored = sessions.restore("p", first);
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->session.sid, "sid-p");
  EXPECT_EQ(restored->session.data.at("k").as_string(), "v");
  ASSERT_EQ(restored->missed.size(), 2u);
  EXPECT_NE(text_of(restored->missed[0]).find("\"lab\""), std::string::npos);
  EXPECT_NE(text_of(restored->missed[1]).find("\"own\""), std::string::npos);
  // Taken: a second restore of the same pid starts a new session.
  EXPECT_FALSE(sessions.restore("p", first));
}

TEST(SessionStore, WithoutAnOffsetReplaysSinceTheSessionStart) {
  SessionStore sessions(keeping(60s), Parser::json);
  store(sessions, "before", {});
  auto start = sessions.last_offset();
  store(sessions, "during", {});
  sessions.persist(session("p", {"sid-p"}, start));
  auto restored = sessions.restore("p", std::nullopt);
  ASSERT_TRUE(restored);
  ASSERT_EQ(restored->missed.size(), 1u);
  EXPECT_NE(text_of(restored->missed[0]).find("\"during\""), std::string::npos);
}

TEST(SessionStore, ASessionThatBeganBeforeAnyPacketIsReplayedEverything) {
  SessionStore sessions(keeping(60s), Parser::json);
  auto start = sessions.last_offset();
  store(sessions, "one", {});
  store(sessions, "two", {});
  sessions.persist(session("p", {"sid-p"}, start));
  auto restored = sessions.restore("p", std::nullopt);
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->missed.size(), 2u);
}

TEST(SessionStore, AnOffsetFromBeforeTheSessionReplaysOnlyTheSession) {
  SessionStore sessions(keeping(60s), Parser::json);
  auto old = store(sessions, "old-session", {});
  auto start = sessions.last_offset();
  store(sessions, "new-session", {});
  sessions.persist(session("p", {"sid-p"}, start));
  auto restored = sessions.restore("p", old);
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->missed.size(), 1u);
}

TEST(SessionStore, UnknownPidsAndForeignOrMalformedOffsetsStartANewSession) {
  SessionStore sessions(keeping(60s), Parser::json);
  SessionStore other(keeping(60s), Parser::json);
  auto start = sessions.last_offset();
  auto offset = store(sessions, "a", {});
  auto foreign = store(other, "a", {});
  sessions.persist(session("p", {"sid-p"}, start));
  EXPECT_FALSE(sessions.restore("unknown", offset));
  EXPECT_FALSE(sessions.restore("", offset));
  for (std::string bad : {foreign, start /* ".0": no packet has it */, std::string(""),
                          std::string("x"), offset + "0", offset.substr(0, offset.size() - 1) + "9",
                          offset + "x", offset.substr(0, 9) + "-1", offset.substr(0, 9),
                          offset.substr(0, 9) + "99999999999999999999", std::string(1000, '.')})
    EXPECT_FALSE(sessions.restore("p", bad)) << bad;
  EXPECT_TRUE(sessions.restore("p", offset));  // still there after the failed attempts
}

TEST(SessionStore, SessionsAndPacketsExpire) {
  SessionStore sessions(keeping(50ms), Parser::json);
  auto start = sessions.last_offset();
  auto offset = store(sessions, "a", {});
  sessions.persist(session("p", {"sid-p"}, start));
  std::this_thread::sleep_for(80ms);
  EXPECT_FALSE(sessions.restore("p", offset));
  EXPECT_EQ(sessions.session_count(), 0u);
  store(sessions, "b", {});
  EXPECT_EQ(sessions.packet_count(), 1u);
}

TEST(SessionStore, AGapInTheKeptPacketsStartsANewSession) {
  SessionStore sessions(keeping(50ms), Parser::json);
  auto start = sessions.last_offset();
  auto offset = store(sessions, "a", {});
  store(sessions, "b", {});  // missed by the client
  std::this_thread::sleep_for(80ms);
  store(sessions, "c", {});  // "a" and "b" expire here
  sessions.persist(session("p", {"sid-p"}, start));
  EXPECT_FALSE(sessions.restore("p", offset));
}

TEST(SessionStore, KeepsAtMostMaxPacketsAndDropsTheOldest) {
  auto options = keeping(60s);
  EXPECT_EQ(options.max_packets, 100000u);  // the default
  options.max_packets = 100;
  SessionStore sessions(options, Parser::json);
  auto start = sessions.last_offset();
  auto first = store(sessions, "a", {});
  auto second = store(sessions, "b", {});
  for (int i = 0; i < 1000; ++i) {
    auto packet = event("more");
    sessions.store(packet, {});
  }
  EXPECT_EQ(sessions.packet_count(), 100u);
  sessions.persist(session("p", {"sid-p"}, start));
  EXPECT_FALSE(sessions.restore("p", first));  // some it missed are gone
  EXPECT_FALSE(sessions.restore("p", std::nullopt));
  sessions.persist(session("q", {"sid-q"}, start));
  EXPECT_FALSE(sessions.restore("q", second));
}

TEST(SessionStore, KeepsAtMostMaxPacketBytes) {
  auto options = keeping(60s);
  options.max_packet_bytes = 100000;
  SessionStore sessions(options, Parser::json);
  for (int i = 0; i < 1000; ++i) {
    auto packet = event("big", std::string(1000, 'x'));
    sessions.store(packet, {});
    ASSERT_LE(sessions.packet_bytes(), 100000u);
  }
  EXPECT_GT(sessions.packet_count(), 50u);
  EXPECT_LT(sessions.packet_count(), 100u);
  // One packet larger than the whole budget is still delivered, and kept alone.
  auto huge = event("huge", std::string(200000, 'y'));
  auto encoded = sessions.store(huge, {});
  EXPECT_GT(encoded.frames.at(0).bytes->size(), 200000u);
  EXPECT_EQ(sessions.packet_count(), 1u);
}

TEST(SessionStore, KeepsAtMostMaxSessionsAndDropsTheOldest) {
  auto options = keeping(60s);
  options.max_sessions = 10;
  SessionStore sessions(options, Parser::json);
  auto start = sessions.last_offset();
  for (int i = 0; i < 50; ++i)
    sessions.persist(session("p" + std::to_string(i), {}, start));
  EXPECT_EQ(sessions.session_count(), 10u);
  EXPECT_FALSE(sessions.restore("p39", std::nullopt));
  EXPECT_TRUE(sessions.restore("p40", std::nullopt));
  EXPECT_TRUE(sessions.restore("p49", std::nullopt));
}

TEST(SessionStore, KeptPacketsOfAnotherStoreAreReplayedAsTheyCame) {
  SessionStore sessions(keeping(60s), Parser::json);
  SessionStore other(keeping(60s), Parser::json);
  auto start = sessions.last_offset();
  auto packet = event("from-another-shard");
  auto encoded = other.store(packet, {});
  sessions.keep(encoded, {});
  sessions.persist(session("p", {"sid-p"}, start));
  auto restored = sessions.restore("p", std::nullopt);
  ASSERT_TRUE(restored);
  ASSERT_EQ(restored->missed.size(), 1u);
  EXPECT_EQ(text_of(restored->missed[0]), text_of(encoded));
}

TEST(SessionStore, EncodesWithTheServersParser) {
  SessionStore sessions(keeping(60s), Parser::msgpack);
  auto start = sessions.last_offset();
  auto packet = event("m");
  auto encoded = sessions.store(packet, {});
  ASSERT_EQ(encoded.frames.size(), 1u);
  EXPECT_TRUE(encoded.frames[0].binary);
  Decoder decoder(DecoderOptions{.parser = Parser::msgpack});
  ASSERT_EQ(decoder.add_binary(encoded.frames[0].bytes), Decoder::Status::ready);
  auto decoded = decoder.take();
  const auto& args = decoded.data.as_array();
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[0].as_string(), "m");
  std::string offset(args[2].as_string());
  EXPECT_EQ(offset, sessions.last_offset());
  sessions.persist(session("p", {"sid-p"}, start));
  auto restored = sessions.restore("p", std::nullopt);
  ASSERT_TRUE(restored);
  ASSERT_EQ(restored->missed.size(), 1u);
  EXPECT_EQ(*restored->missed[0].frames[0].bytes, *encoded.frames[0].bytes);
}

}  // namespace
}  // namespace soket::socketio
