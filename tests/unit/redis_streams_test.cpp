#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

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
    link_->append_to_stream({{"uid", "u"}, {"nsp", "/"}, {"type", "3"}, {"data", "{}"}});
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

}  // namespace
}  // namespace soket::cluster
