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

Packet event(std::string_view name) {
  Packet packet;
  packet.type = PacketType::event;
  packet.data = boost::json::array{name, 1};
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

SocketSession session(std::string pid, std::vector<Room> rooms, uint64_t start = 0) {
  return SocketSession{"sid-" + pid, std::move(pid), std::move(rooms), {{"k", "v"}}, start};
}

TEST(SessionStore, OffsetsAreAddedLastAndDistinct) {
  SessionStore sessions(60s);
  auto a = store(sessions, "a", {});
  auto b = store(sessions, "b", {});
  EXPECT_NE(a, b);
  EXPECT_EQ(sessions.packet_count(), 2u);
  EXPECT_EQ(sessions.last(), 2u);
}

TEST(SessionStore, RestoresAfterTheOffsetWithTheRoomsOfTheSession) {
  SessionStore sessions(60s);
  auto first = store(sessions, "all", {});
  store(sessions, "lab", to({"lab"}));
  store(sessions, "other", to({"other"}));
  store(sessions, "not-lab", to({}, {"lab"}));
  store(sessions, "own", to({"sid-p"}));
  sessions.persist(session("p", {"sid-p", "lab"}));
  auto restored = sessions.restore("p", first);
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->session.sid, "sid-p");
  EXPECT_EQ(restored->session.data.at("k").as_string(), "v");
  auto missed = sessions.missed(restored->session.rooms, restored->replay_after);
  ASSERT_EQ(missed.size(), 2u);
  EXPECT_NE(text_of(missed[0]).find("\"lab\""), std::string::npos);
  EXPECT_NE(text_of(missed[1]).find("\"own\""), std::string::npos);
  // Taken: a second restore of the same pid starts a new session.
  EXPECT_FALSE(sessions.restore("p", first));
}

TEST(SessionStore, WithoutAnOffsetReplaysSinceTheSessionStart) {
  SessionStore sessions(60s);
  store(sessions, "before", {});
  uint64_t start = sessions.last();
  store(sessions, "during", {});
  sessions.persist(session("p", {"sid-p"}, start));
  auto restored = sessions.restore("p", std::nullopt);
  ASSERT_TRUE(restored);
  auto missed = sessions.missed(restored->session.rooms, restored->replay_after);
  ASSERT_EQ(missed.size(), 1u);
  EXPECT_NE(text_of(missed[0]).find("\"during\""), std::string::npos);
}

TEST(SessionStore, AnOffsetFromBeforeTheSessionReplaysOnlyTheSession) {
  SessionStore sessions(60s);
  auto old = store(sessions, "old-session", {});
  uint64_t start = sessions.last();
  store(sessions, "new-session", {});
  sessions.persist(session("p", {"sid-p"}, start));
  auto restored = sessions.restore("p", old);
  ASSERT_TRUE(restored);
  EXPECT_EQ(sessions.missed(restored->session.rooms, restored->replay_after).size(), 1u);
}

TEST(SessionStore, UnknownPidsAndForeignOrMalformedOffsetsStartANewSession) {
  SessionStore sessions(60s);
  SessionStore other(60s);
  auto offset = store(sessions, "a", {});
  auto foreign = store(other, "a", {});
  sessions.persist(session("p", {"sid-p"}));
  EXPECT_FALSE(sessions.restore("unknown", offset));
  for (std::string bad : {foreign, std::string(""), std::string("x"), offset + "0",
                          offset.substr(0, offset.size() - 1) + "9", offset + "x",
                          offset.substr(0, 9) + "-1", offset.substr(0, 9)})
    EXPECT_FALSE(sessions.restore("p", bad)) << bad;
  EXPECT_TRUE(sessions.restore("p", offset));  // still there after the failed attempts
}

TEST(SessionStore, SessionsAndPacketsExpire) {
  SessionStore sessions(50ms);
  auto offset = store(sessions, "a", {});
  sessions.persist(session("p", {"sid-p"}));
  std::this_thread::sleep_for(80ms);
  EXPECT_FALSE(sessions.restore("p", offset));
  EXPECT_EQ(sessions.session_count(), 0u);
  store(sessions, "b", {});
  EXPECT_EQ(sessions.packet_count(), 1u);
}

TEST(SessionStore, AGapInTheKeptPacketsStartsANewSession) {
  SessionStore sessions(50ms);
  auto offset = store(sessions, "a", {});
  store(sessions, "b", {});  // missed by the client
  std::this_thread::sleep_for(80ms);
  store(sessions, "c", {});  // "a" and "b" expire here
  sessions.persist(session("p", {"sid-p"}));
  EXPECT_FALSE(sessions.restore("p", offset));
}

TEST(SessionStore, KeepsAtMostAHundredThousandPackets) {
  SessionStore sessions(60s);
  auto first = store(sessions, "a", {});
  auto second = store(sessions, "b", {});
  for (int i = 0; i < 100000; ++i) {
    auto packet = event("more");
    sessions.store(packet, {});
  }
  EXPECT_EQ(sessions.packet_count(), 100000u);
  sessions.persist(session("p", {"sid-p"}));
  EXPECT_FALSE(sessions.restore("p", first));  // "b" is gone
  EXPECT_TRUE(sessions.restore("p", second));
}

TEST(SessionStore, KeptPacketsOfAnotherStoreAreReplayedAsTheyCame) {
  SessionStore sessions(60s);
  SessionStore other(60s);
  uint64_t start = sessions.last();
  auto packet = event("from-another-shard");
  auto encoded = other.store(packet, {});
  sessions.keep(encoded, {});
  sessions.persist(session("p", {"sid-p"}, start));
  auto restored = sessions.restore("p", std::nullopt);
  ASSERT_TRUE(restored);
  auto missed = sessions.missed(restored->session.rooms, restored->replay_after);
  ASSERT_EQ(missed.size(), 1u);
  EXPECT_EQ(text_of(missed[0]), text_of(encoded));
}

}  // namespace
}  // namespace soket::socketio
