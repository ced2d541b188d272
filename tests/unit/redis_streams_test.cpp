#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "redis_test_fixture.hpp"
#include "soket/cluster/redis_link.hpp"
#include "soket/cluster/stream_codec.hpp"
#include "soket/cluster/stream_reader.hpp"
#include "soket/util/base64.hpp"
#include "soket/util/msgpack.hpp"

namespace soket::cluster {
namespace {

using namespace std::chrono_literals;
using namespace redis_test;
using socketio::ClusterMessage;
using socketio::ClusterMessageType;
using stream_codec::Fields;

std::string field(const Fields& fields, const std::string& name) {
  for (const auto& [key, value] : fields)
    if (key == name) return value;
  return "<missing>";
}

// --- the entry format ---------------------------------------------------------------------------

TEST(StreamCodec, PlainMessageIsJsonText) {
  ClusterMessage message;
  message.type = ClusterMessageType::sockets_join;
  message.uid = "node-a";
  message.nsp = "/chat";
  message.data =
      boost::json::parse(R"({"opts":{"rooms":["r"],"except":[]},"rooms":["x"]})").as_object();
  auto fields = stream_codec::to_fields(message);
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"uid", "node-a"}));
  EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"nsp", "/chat"}));
  EXPECT_EQ(fields[2], (std::pair<std::string, std::string>{"type", "4"}));
  EXPECT_EQ(boost::json::parse(field(fields, "data")), boost::json::value(message.data));

  std::string error;
  auto back = stream_codec::from_fields(fields, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->type, ClusterMessageType::sockets_join);
  EXPECT_EQ(back->uid, "node-a");
  EXPECT_EQ(back->nsp, "/chat");
  EXPECT_EQ(back->data, message.data);
}

// What @socket.io/redis-streams-adapter 0.3 writes for a broadcast carrying a Buffer: the base64 of
// @msgpack/msgpack's encoding of data (made with Node: encode({packet: {type: 2, data: ["bin",
// Buffer.from([1, 2, 255])], nsp: "/"}, opts: {rooms: ["r"], except: [], flags: {}}})).
constexpr const char* kNodeBinaryData =
    "gqZwYWNrZXSDpHR5cGUCpGRhdGGSo2JpbsQDAQL/o25zcKEvpG9wdHODpXJvb21zkaFypmV4Y2VwdJClZmxhZ3OA";

// Infinity (another node's 1e400) is written as null, not as Boost.JSON's bare Infinity that no
// node could read back.
TEST(StreamCodec, InfinityIsWrittenAsNull) {
  ClusterMessage message;
  message.type = ClusterMessageType::broadcast;
  message.uid = "node-a";
  message.nsp = "/";
  message.data = boost::json::parse(R"({"packet":{"data":["m",1e400]}})").as_object();
  auto fields = stream_codec::to_fields(message);
  EXPECT_EQ(field(fields, "data"), R"({"packet":{"data":["m",null]}})");
  std::string error;
  EXPECT_TRUE(stream_codec::from_fields(fields, error)) << error;
}

TEST(StreamCodec, ReadsTheReferencesBinaryEntry) {
  Fields fields{{"uid", "n1"}, {"nsp", "/"}, {"type", "3"}, {"data", kNodeBinaryData}};
  std::string error;
  auto message = stream_codec::from_fields(fields, error);
  ASSERT_TRUE(message) << error;
  EXPECT_EQ(message->type, ClusterMessageType::broadcast);
  const auto& data = message->data.at("packet").at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0], "bin");
  EXPECT_EQ(data[1], boost::json::parse(R"({"_placeholder":true,"num":0})"));
  ASSERT_EQ(message->attachments.size(), 1u);
  EXPECT_EQ(*message->attachments[0], std::string("\x01\x02\xff", 3));
  EXPECT_EQ(message->data.at("opts").at("rooms").as_array().at(0), "r");

  // And soket writes the same bytes for the same message.
  auto again = stream_codec::to_fields(*message);
  EXPECT_EQ(field(again, "data"), kNodeBinaryData);
}

TEST(StreamCodec, MalformedEntriesSayWhy) {
  auto check = [](Fields fields, const std::string& why) {
    std::string error;
    EXPECT_FALSE(stream_codec::from_fields(fields, error)) << why;
    EXPECT_FALSE(error.empty()) << why;
  };
  check({{"uid", "x"}, {"nsp", "/"}, {"type", "three"}, {"data", "{}"}}, "type not a number");
  check({{"uid", "x"}, {"nsp", "/"}, {"type", "3x"}, {"data", "{}"}}, "type with a tail");
  check({{"uid", "x"}, {"nsp", "/"}, {"type", "0"}, {"data", "{}"}}, "type 0");
  check({{"uid", "x"}, {"nsp", "/"}, {"type", "14"}, {"data", "{}"}}, "type 14");
  check({{"nsp", "/"}, {"type", "3"}, {"data", "{}"}}, "no uid");
  check({{"uid", "x"}, {"nsp", "/"}, {"type", "3"}, {"data", "{\"a\":"}}, "JSON cut short");
  check({{"uid", "x"}, {"nsp", "/"}, {"type", "3"}, {"data", "@@@"}}, "not base64");
  check({{"uid", "x"}, {"nsp", "/"}, {"type", "3"}, {"data", base64::encode("\xc1")}},
        "msgpack's unused byte");
  check({{"uid", "x"}, {"nsp", "/"}, {"type", "3"}, {"data", base64::encode("\x92\x01\x02")}},
        "msgpack array, not a map");
  check(
      {{"uid", "x"}, {"nsp", "/"}, {"type", "3"}, {"data", base64::encode("\xdd\xff\xff\xff\xff")}},
      "array32 with nothing in it");

  // Not an adapter's entry at all: skipped without a word, as the reference does.
  std::string error;
  EXPECT_FALSE(stream_codec::from_fields({{"some", "field"}}, error));
  EXPECT_TRUE(error.empty());
}

// The pub/sub form, as Node wrote it: encode({uid: "abc", nsp: "/", type: 9, data: {requestId:
// "q1", packet: ["ping-node", Buffer.from([7])]}}) with @msgpack/msgpack.
constexpr const char* kNodeServerSideEmitHex =
    "84a3756964a3616263a36e7370a12fa47479706509a46461746182a9726571756573744964a27131a67061636b6574"
    "92a970696e672d6e6f6465c40107";

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// What @socket.io/redis-streams-adapter 0.3.1 stores for a session (node: Buffer.from(encode(
// {sid: "abc", pid: "p1", rooms: ["abc", "field"], data: {who: "me", n: 2}})).toString("base64")).
constexpr const char* kNodeSession =
    "hKNzaWSjYWJjo3BpZKJwMaVyb29tc5KjYWJjpWZpZWxkpGRhdGGCo3dob6JtZaFuAg==";

TEST(StreamCodec, SessionsAreStoredLikeTheReferences) {
  std::string error;
  auto session = stream_codec::session_from_text(kNodeSession, error);
  ASSERT_TRUE(session) << error;
  EXPECT_EQ(session->sid, "abc");
  EXPECT_EQ(session->pid, "p1");
  EXPECT_EQ(session->rooms, (std::vector<std::string>{"abc", "field"}));
  EXPECT_EQ(boost::json::value(session->data), boost::json::parse(R"({"who":"me","n":2})"));
  EXPECT_TRUE(session->start.empty());
  EXPECT_EQ(stream_codec::session_to_text(*session), kNodeSession);
  // soket's own `start` survives the round trip (and the reference ignores it).
  session->start = "17-3";
  auto again = stream_codec::session_from_text(stream_codec::session_to_text(*session), error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(again->start, "17-3");
}

TEST(StreamCodec, MalformedSessionsSayWhy) {
  std::string error;
  EXPECT_FALSE(stream_codec::session_from_text("%%%", error));
  EXPECT_EQ(error, "not base64");
  EXPECT_FALSE(stream_codec::session_from_text(base64::encode("\xc1"), error));
  EXPECT_NE(error.find("malformed msgpack"), std::string::npos) << error;
  auto text_of = [](std::string_view json) {
    return base64::encode(msgpack::encode(boost::json::parse(json)));
  };
  EXPECT_FALSE(stream_codec::session_from_text(text_of(R"({"sid":"a","pid":"p"})"), error));
  EXPECT_EQ(error, "not a {sid, pid, rooms, data} map");
  EXPECT_FALSE(
      stream_codec::session_from_text(text_of(R"({"sid":"a","pid":"p","rooms":[1]})"), error));
  EXPECT_EQ(error, "a room that is not a string");
  // Data that is not a map: an empty one.
  auto session = stream_codec::session_from_text(
      text_of(R"({"sid":"a","pid":"p","rooms":[],"data":3})"), error);
  ASSERT_TRUE(session) << error;
  EXPECT_TRUE(session->data.empty());
}

TEST(StreamCodec, EntryIds) {
  EXPECT_TRUE(stream_codec::is_entry_id("1700000000000-0"));
  for (const auto* bad : {"", "-", "1-", "-1", "1", "1-2-3", "a-1", "1.5-0", " 1-0"})
    EXPECT_FALSE(stream_codec::is_entry_id(bad)) << bad;
  EXPECT_EQ(stream_codec::next_entry_id("5-7"), "5-8");
  EXPECT_EQ(stream_codec::next_entry_id("5-18446744073709551615"), "6-0");
  EXPECT_TRUE(stream_codec::entry_id_before("5-9", "5-10"));  // numbers, not text
  EXPECT_TRUE(stream_codec::entry_id_before("5-10", "6-0"));
  EXPECT_FALSE(stream_codec::entry_id_before("6-0", "6-0"));
  EXPECT_TRUE(stream_codec::entry_id_before("", "0-1"));
}

TEST(StreamCodec, NamespacesGoToTheReferencesStreams) {
  // hashCode(nsp) % streamCount of the reference, negative values included (node: util.hashCode).
  EXPECT_EQ(stream_of_namespace("/", "socket.io", 1), "socket.io");
  EXPECT_EQ(stream_of_namespace("/admin-namespace", "socket.io", 1), "socket.io");
  EXPECT_EQ(stream_of_namespace("/", "socket.io", 4), "socket.io-3");      // 47
  EXPECT_EQ(stream_of_namespace("/chat", "socket.io", 4), "socket.io-3");  // 46457863
  EXPECT_EQ(stream_of_namespace("/admin-namespace", "socket.io", 4),
            "socket.io--2");                                                     // -1677369266
  EXPECT_EQ(stream_of_namespace("/dashboard", "socket.io", 4), "socket.io--3");  // -1694060731
  EXPECT_EQ(stream_of_namespace("/\xc3\xa9", "socket.io", 4), "socket.io-2");    // "/é": 1690
  // "/😀x": a surrogate pair, as JavaScript counts it: 56360166.
  EXPECT_EQ(stream_of_namespace("/\xf0\x9f\x98\x80x", "socket.io", 4), "socket.io-2");
}

TEST(StreamCodec, PubSubMessagesAreMsgpackLikeTheReferences) {
  std::string error;
  auto message = stream_codec::from_msgpack(unhex(kNodeServerSideEmitHex), error);
  ASSERT_TRUE(message) << error;
  EXPECT_EQ(message->type, ClusterMessageType::server_side_emit);
  EXPECT_EQ(message->uid, "abc");
  EXPECT_EQ(message->nsp, "/");
  EXPECT_EQ(message->data.at("requestId"), "q1");
  ASSERT_EQ(message->attachments.size(), 1u);
  EXPECT_EQ(stream_codec::to_msgpack(*message), unhex(kNodeServerSideEmitHex));

  EXPECT_FALSE(stream_codec::from_msgpack("{\"uid\":\"x\"}", error));
  EXPECT_FALSE(stream_codec::from_msgpack(msgpack::encode(boost::json::parse(R"([1,2])")), error));
  EXPECT_FALSE(stream_codec::from_msgpack(
      msgpack::encode(boost::json::parse(R"({"uid":"x","nsp":"/","type":"3"})")), error));
  EXPECT_FALSE(stream_codec::from_msgpack(
      msgpack::encode(boost::json::parse(R"({"uid":"x","nsp":"/","type":42})")), error));
}

// --- reading and writing the stream on a real redis-server --------------------------------------

class RedisStreamTest : public RedisTest {
 protected:
  void TearDown() override {
    if (reader_) reader_->stop();
    if (link_) link_->stop();
    RedisTest::TearDown();
  }

  void start_reader(std::size_t read_count = 100) {
    StreamReaderOptions options;
    options.stream = "test-stream";
    options.read_count = read_count;
    options.block = 200ms;
    reader_ = StreamReader::create(io_, url(), options);
    reader_->start([this](std::string_view id, const Fields& fields) {
      ids_.emplace_back(id);
      values_.push_back(field(fields, "n"));
    });
  }

  // The reader's first XREAD ("$") must be in before anything is added, or it would not see it:
  // waits until a client is blocked (flags=b) in XREAD.
  void wait_reader_blocked(const std::shared_ptr<RedisClient>& c) {
    ASSERT_TRUE(run_until([&] {
      auto info = call(c, {"CLIENT", "LIST"});
      std::istringstream lines(info.str);
      for (std::string line; std::getline(lines, line);)
        if (line.find(" flags=b ") != std::string::npos &&
            line.find(" cmd=xread") != std::string::npos)
          return true;
      return false;
    }));
  }

  std::shared_ptr<StreamReader> reader_;
  std::shared_ptr<RedisLink> link_;
  std::vector<std::string> ids_;
  std::vector<std::string> values_;
};

TEST_F(RedisStreamTest, ReaderSeesNewEntriesInOrder) {
  auto c = client("cmd");
  start_and_wait(c);
  call(c, {"XADD", "test-stream", "*", "n", "before"});  // before start: not read
  start_reader(7);  // fewer per read than entries: several reads
  wait_reader_blocked(c);
  for (int i = 0; i < 25; ++i)
    call(c, {"XADD", "test-stream", "*", "n", std::to_string(i)});
  ASSERT_TRUE(run_until([&] { return values_.size() >= 25; })) << values_.size();
  for (int i = 0; i < 25; ++i)
    EXPECT_EQ(values_[i], std::to_string(i));
  EXPECT_EQ(reader_->last_id(), ids_.back());
  io_.restart();
  io_.run_for(300ms);
  EXPECT_EQ(values_.size(), 25u);
}

TEST_F(RedisStreamTest, ReaderResumesFromTheLastEntryAfterRedisRestarts) {
  auto c = client("cmd");
  start_and_wait(c);
  start_reader();
  wait_reader_blocked(c);
  call(c, {"XADD", "test-stream", "*", "n", "one"});
  ASSERT_TRUE(run_until([&] { return values_.size() == 1; }));

  redis_.kill_hard();
  io_.restart();
  io_.run_for(100ms);
  ASSERT_TRUE(redis_.start(port_));
  ASSERT_TRUE(run_until([&] { return c->connected(); }, 5s));
  // The reader reconnects and reads from "one"'s id: an entry added before its next XREAD (with a
  // later id, the clock moved on) is not missed, as it would be with "$".
  call(c, {"XADD", "test-stream", "*", "n", "two"});
  call(c, {"XADD", "test-stream", "*", "n", "three"});
  ASSERT_TRUE(run_until([&] { return values_.size() == 3; }, 5s)) << values_.size();
  EXPECT_EQ(values_, (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(RedisStreamTest, ReaderStopsQuietly) {
  auto c = client("cmd");
  start_and_wait(c);
  start_reader();
  wait_reader_blocked(c);
  reader_->stop();
  call(c, {"XADD", "test-stream", "*", "n", "late"});
  io_.restart();
  io_.run_for(300ms);
  EXPECT_TRUE(values_.empty());
}

TEST_F(RedisStreamTest, ReaderWarnsOnceAndRetriesWhenTheKeyIsNotAStream) {
  auto c = client("cmd");
  start_and_wait(c);
  call(c, {"SET", "test-stream", "a string"});
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  start_reader();
  io_.restart();
  io_.run_for(2500ms);  // three attempts, one second apart
  spdlog::set_default_logger(previous);
  EXPECT_EQ(log.str().find("XREAD failed"), log.str().rfind("XREAD failed")) << log.str();
  EXPECT_NE(log.str().find("WRONGTYPE"), std::string::npos) << log.str();
  // Once the key is a stream, reading goes on.
  call(c, {"DEL", "test-stream"});
  wait_reader_blocked(c);
  call(c, {"XADD", "test-stream", "*", "n", "second"});
  ASSERT_TRUE(run_until([&] { return !values_.empty(); }));
  EXPECT_EQ(values_.back(), "second");
}

TEST_F(RedisStreamTest, AppendsAreTrimmedToAboutMaxLen) {
  RedisAdapterOptions options;
  options.kind = RedisAdapterKind::streams;
  options.stream.stream = "bounded";
  options.stream_max_len = 10;
  link_ = RedisLink::create(io_, url(), options);
  link_->start();
  ASSERT_TRUE(run_until([&] { return link_->publisher().connected(); }));
  for (int i = 0; i < 1000; ++i)
    link_->append_to_stream("bounded", {{"uid", "u"}, {"nsp", "/"}, {"type", "3"}, {"data", "{}"}});
  auto c = client("cmd");
  start_and_wait(c);
  // entries-added counts every XADD, trimmed away or not.
  auto entries_added = [&] {
    auto info = call(c, {"XINFO", "STREAM", "bounded"});
    for (std::size_t i = 0; i + 1 < info.elements.size(); i += 2)
      if (info.elements[i].str == "entries-added") return info.elements[i + 1].integer;
    return -1LL;
  };
  ASSERT_TRUE(run_until([&] { return entries_added() == 1000; }));
  // MAXLEN ~ trims whole nodes of the stream (100 entries by default): between 10 and 10 + 100.
  auto length = call(c, {"XLEN", "bounded"}).integer;
  EXPECT_GE(length, 10);
  EXPECT_LE(length, 110);
}

TEST_F(RedisStreamTest, SeveralStreamsAreAllReadAndAppendsReturnTheirIds) {
  RedisAdapterOptions options;
  options.kind = RedisAdapterKind::streams;
  options.stream.stream = "spread";
  options.stream.block = 200ms;
  options.stream_count = 4;
  link_ = RedisLink::create(io_, url(), options);
  std::vector<std::string> seen;
  link_->add_stream_handler([&](std::string_view id, const Fields& fields) {
    seen.push_back(field(fields, "nsp") + " " + std::string(id));
  });
  link_->start();
  EXPECT_EQ(link_->stream_for("/"), "spread-3");
  EXPECT_EQ(link_->stream_for("/admin-namespace"), "spread--2");  // read here, not by Node
  auto c = client("cmd");
  start_and_wait(c);
  ASSERT_TRUE(run_until([&] { return link_->publisher().connected(); }));
  // Every reader blocked in its XREAD: spread-0..3 and spread--2.
  ASSERT_TRUE(run_until([&] {
    auto info = call(c, {"CLIENT", "LIST"});
    std::size_t blocked = 0;
    for (std::size_t at = 0; (at = info.str.find("cmd=xread", at)) != std::string::npos; ++at)
      ++blocked;
    return blocked == 5;
  }));
  std::vector<std::string> ids;
  for (const auto* nsp : {"/", "/admin-namespace"})
    link_->append_to_stream(link_->stream_for(nsp), {{"uid", "u"}, {"nsp", nsp}, {"type", "3"}},
                            [&](std::optional<std::string> id) {
                              ASSERT_TRUE(id);
                              ids.push_back(*id);
                            });
  ASSERT_TRUE(run_until([&] { return seen.size() == 2 && ids.size() == 2; })) << seen.size();
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"/ " + ids[0], "/admin-namespace " + ids[1]}));
  EXPECT_EQ(call(c, {"XLEN", "spread-3"}).integer, 1);
  EXPECT_EQ(call(c, {"XLEN", "spread--2"}).integer, 1);
}

TEST_F(RedisStreamTest, AppendWithoutRedisAnswersNoId) {
  RedisAdapterOptions options;
  options.kind = RedisAdapterKind::streams;
  link_ = RedisLink::create(io_, url(), options);  // never started: not connected
  std::optional<std::optional<std::string>> answer;
  link_->append_to_stream("socket.io", {{"uid", "u"}},
                          [&](std::optional<std::string> id) { answer = id; });
  EXPECT_FALSE(answer);  // later, never inline
  ASSERT_TRUE(run_until([&] { return answer.has_value(); }));
  EXPECT_FALSE(*answer);
}

}  // namespace
}  // namespace soket::cluster
