#include "soket/store/json.hpp"
#include "soket/store/store.hpp"

#include <gtest/gtest.h>

#include "store_backends.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <limits>
#include <optional>
#include <string>

namespace soket::store {
namespace {

using namespace std::chrono_literals;

using testing::Backend;

class StoreReaderTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_.emplace(options());
  }

  WriteResult put(WriteOp op) {
    std::promise<WriteResult> promise;
    auto future = promise.get_future();
    if (store_->writer().submit(std::move(op), [&](const WriteResult& r) {
          promise.set_value(r);
        }) != SubmitResult::accepted)
      throw std::runtime_error("not accepted");
    if (future.wait_for(10s) != std::future_status::ready)
      throw std::runtime_error("no completion");
    return future.get();
  }
  Reader& reader() { return store_->reader(); }

  std::optional<Store> store_;
};

TEST_P(StoreReaderTest, UpsertDeviceKeepsFirstSeenAndUnsetFields) {
  ASSERT_TRUE(put(UpsertDevice{.id = "esp",
                               .ts = 100,
                               .name = "Lamp",
                               .group = "kitchen",
                               .kind = "lamp",
                               .transport = "tcp",
                               .address = "10.0.0.5:1000"})
                  .ok());
  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 200, .address = "10.0.0.5:2000"}).ok());
  ASSERT_TRUE(put(UpsertDevice{.id = "alpha", .ts = 150, .online = false}).ok());
  auto devices = reader().devices();
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0].id, "alpha");
  EXPECT_FALSE(devices[0].online);
  const Device& esp = devices[1];
  EXPECT_EQ(esp.name, "Lamp");
  EXPECT_EQ(esp.group, "kitchen");
  EXPECT_EQ(esp.kind, "lamp");
  EXPECT_EQ(esp.transport, "tcp");
  EXPECT_EQ(esp.address, "10.0.0.5:2000");
  EXPECT_EQ(esp.first_seen, 100);
  EXPECT_EQ(esp.last_seen, 200);
  EXPECT_TRUE(esp.online);

  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 300, .online = false}).ok());
  EXPECT_FALSE(reader().device("esp")->online);
  EXPECT_EQ(reader().device("esp")->last_seen, 300);
  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 400}).ok());
  ASSERT_TRUE(put(MarkAllOffline{}).ok());
  EXPECT_FALSE(reader().device("esp")->online);
  EXPECT_FALSE(reader().device("nobody").has_value());
}

// Hub nodes sharing the database: a device is recorded on the node it is connected to; a late
// "offline" from the node it left does not undo its connection to another node.
TEST_P(StoreReaderTest, DevicesAreRecordedOnTheirNode) {
  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 100, .node = "a"}).ok());
  ASSERT_TRUE(put(UpsertDevice{.id = "lamp", .ts = 100, .node = "b"}).ok());
  ASSERT_TRUE(put(UpsertDevice{.id = "solo", .ts = 100}).ok());
  EXPECT_EQ(reader().device("esp")->node, "a");
  EXPECT_FALSE(reader().device("solo")->node.has_value());

  // esp moves to b, then a reports the end of its old connection: esp stays online on b.
  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 200, .node = "b"}).ok());
  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 150, .online = false, .node = "a"}).ok());
  EXPECT_TRUE(reader().device("esp")->online);
  EXPECT_EQ(reader().device("esp")->node, "b");
  EXPECT_EQ(reader().device("esp")->last_seen, 200);

  // Offline from its own node takes effect and forgets the node.
  ASSERT_TRUE(put(UpsertDevice{.id = "lamp", .ts = 300, .online = false, .node = "b"}).ok());
  EXPECT_FALSE(reader().device("lamp")->online);
  EXPECT_FALSE(reader().device("lamp")->node.has_value());

  // A node found dead: only its devices go offline.
  ASSERT_TRUE(put(MarkAllOffline{.node = "a"}).ok());
  EXPECT_TRUE(reader().device("esp")->online);
  EXPECT_TRUE(reader().device("solo")->online);
  ASSERT_TRUE(put(MarkAllOffline{.node = "b"}).ok());
  EXPECT_FALSE(reader().device("esp")->online);
  EXPECT_FALSE(reader().device("esp")->node.has_value());
  EXPECT_TRUE(reader().device("solo")->online);
  ASSERT_TRUE(put(MarkAllOffline{}).ok());
  EXPECT_FALSE(reader().device("solo")->online);
}

TEST_P(StoreReaderTest, ReadingsByRangeLimitAndOrder) {
  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 1}).ok());
  ASSERT_TRUE(put(UpsertDevice{.id = "other", .ts = 1}).ok());
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(
        put(InsertReadings{
                "esp", 1000 + i * 10, {Sample{"temp", 20.0 + i, {}}, Sample{"state", {}, "on"}}})
            .ok());
  ASSERT_TRUE(put(InsertReadings{"other", 1050, {Sample{"temp", 99.0, {}}}}).ok());

  auto rows = reader().readings("esp", 1020, 1050, 100);
  ASSERT_EQ(rows.size(), 8u);  // 4 messages x 2 keys
  EXPECT_EQ(rows.front().ts, 1020);
  EXPECT_EQ(rows.front().key, "temp");
  EXPECT_EQ(rows.front().value, 22.0);
  EXPECT_EQ(rows[1].key, "state");
  EXPECT_EQ(rows[1].text, "on");
  EXPECT_FALSE(rows[1].value.has_value());
  EXPECT_EQ(rows.back().ts, 1050);

  auto oldest = reader().readings("esp", 0, 5000, 3);
  ASSERT_EQ(oldest.size(), 3u);
  EXPECT_EQ(oldest[0].ts, 1000);
  auto newest = reader().readings("esp", 0, 5000, 3, Order::newest_first);
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest[0].ts, 1090);
  EXPECT_EQ(newest[2].ts, 1080);

  EXPECT_TRUE(reader().readings("nobody", 0, 5000, 10).empty());
  EXPECT_THROW(reader().readings("esp", 10, 5, 10), std::invalid_argument);
  EXPECT_THROW(reader().readings("esp", 0, 5, 0), std::invalid_argument);
  EXPECT_THROW(reader().readings("esp", 0, 5, Reader::kMaxRows + 1), std::invalid_argument);
}

TEST_P(StoreReaderTest, DownsamplesIntoAtMostNBucketsPerKey) {
  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 1}).ok());
  // 100 readings of two keys at ts 0..99, plus a text-only one that charts ignore.
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(
        put(InsertReadings{"esp", i, {Sample{"a", double(i), {}}, Sample{"b", double(-i), {}}}})
            .ok());
  ASSERT_TRUE(put(InsertReadings{"esp", 50, {Sample{"c", {}, "text"}}}).ok());

  auto buckets = reader().readings_downsampled("esp", std::numeric_limits<std::int64_t>::min(),
                                               std::numeric_limits<std::int64_t>::max(), 10);
  ASSERT_EQ(buckets.size(), 20u);
  const ReadingBucket& first = buckets[0];
  EXPECT_EQ(first.key, "a");
  EXPECT_EQ(first.start, 0);
  EXPECT_EQ(first.width, 10);
  EXPECT_EQ(first.count, 10);
  EXPECT_DOUBLE_EQ(first.avg, 4.5);
  EXPECT_DOUBLE_EQ(first.min, 0);
  EXPECT_DOUBLE_EQ(first.max, 9);
  EXPECT_EQ(buckets[9].start, 90);
  EXPECT_EQ(buckets[10].key, "b");
  EXPECT_DOUBLE_EQ(buckets[10].min, -9);

  auto narrow = reader().readings_downsampled("esp", 10, 19, 1000);
  ASSERT_EQ(narrow.size(), 20u);  // one point per reading: fewer readings than points
  auto one = reader().readings_downsampled("esp", 0, 99, 1);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].count, 100);
  EXPECT_TRUE(reader().readings_downsampled("esp", 1000, 2000, 10).empty());
  EXPECT_THROW(reader().readings_downsampled("esp", 0, 99, 0), std::invalid_argument);
  EXPECT_THROW(reader().readings_downsampled("esp", 0, 99, Reader::kMaxPoints + 1),
               std::invalid_argument);
}

TEST_P(StoreReaderTest, CommandQueueOrderAndStateTransitions) {
  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 1}).ok());
  ASSERT_TRUE(put(UpsertDevice{.id = "other", .ts = 1}).ok());
  auto c1 = put(EnqueueCommand{"esp", "led-on", CommandSource::dashboard, 10});
  auto c2 = put(EnqueueCommand{"esp", "lamp-off", CommandSource::standard_input, 11});
  auto other = put(EnqueueCommand{"other", "x", CommandSource::rule, 11});
  auto c3 = put(EnqueueCommand{"esp", "led-off", CommandSource::rest, 12});
  ASSERT_TRUE(c1.ok() && c2.ok() && c3.ok() && other.ok());
  EXPECT_LT(c1.id, c2.id);
  EXPECT_LT(c2.id, c3.id);

  auto pending = reader().pending_commands("esp");
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].command, "led-on");
  EXPECT_EQ(pending[1].command, "lamp-off");
  EXPECT_EQ(pending[1].source, CommandSource::standard_input);
  EXPECT_EQ(pending[2].command, "led-off");
  EXPECT_EQ(pending[0].state, CommandState::queued);
  EXPECT_EQ(reader().pending_commands("esp", false, 2).size(), 2u);

  ASSERT_TRUE(put(MarkCommandSent{c1.id, 20}).ok());
  EXPECT_EQ(reader().pending_commands("esp").size(), 2u);
  EXPECT_EQ(reader().pending_commands("esp", true).size(), 3u);
  EXPECT_EQ(reader().pending_commands("esp", true)[0].id, c1.id);

  auto again = put(MarkCommandSent{c1.id, 21});
  EXPECT_EQ(again.status, WriteStatus::rejected);
  EXPECT_EQ(again.error, "command " + std::to_string(c1.id) + " cannot become sent from sent");
  ASSERT_TRUE(put(MarkCommandSent{c1.id, 22, true}).ok());  // written again on a new connection
  EXPECT_EQ(reader().command(c1.id)->sent_at, 22);
  EXPECT_EQ(reader().command(c1.id)->state, CommandState::sent);
  auto early_ack = put(MarkCommandAcked{c2.id, 21, "OK"});
  EXPECT_EQ(early_ack.status, WriteStatus::rejected);
  EXPECT_NE(early_ack.error.find("from queued"), std::string::npos);

  ASSERT_TRUE(put(MarkCommandAcked{c1.id, 30, "ACK led-on"}).ok());
  auto acked = reader().command(c1.id);
  ASSERT_TRUE(acked.has_value());
  EXPECT_EQ(acked->state, CommandState::acked);
  EXPECT_EQ(acked->created_at, 10);
  EXPECT_EQ(acked->sent_at, 22);
  EXPECT_EQ(acked->acked_at, 30);
  EXPECT_EQ(acked->reply, "ACK led-on");
  EXPECT_EQ(put(MarkCommandFailed{c1.id, 31, "late"}).status, WriteStatus::rejected);

  ASSERT_TRUE(put(MarkCommandFailed{c2.id, 32, "device gone"}).ok());
  EXPECT_EQ(reader().command(c2.id)->state, CommandState::failed);
  EXPECT_EQ(reader().command(c2.id)->reply, "device gone");
  EXPECT_FALSE(reader().command(99999).has_value());

  pending = reader().pending_commands("esp", true);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, c3.id);
  EXPECT_EQ(put(MarkCommandSent{0, 1}).error, "invalid command id 0");
}

TEST_P(StoreReaderTest, ChatTextAndAlertsNewestLastN) {
  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 1}).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(put(InsertChat{i, "user" + std::to_string(i), "msg" + std::to_string(i),
                               i % 2 ? ChatOrigin::web : ChatOrigin::tcp})
                    .ok());
    ASSERT_TRUE(put(InsertText{"esp", i, "text" + std::to_string(i)}).ok());
    ASSERT_TRUE(put(InsertAlert{i, "hot", i % 2 ? std::optional<std::string>("esp") : std::nullopt,
                                "alert" + std::to_string(i), i * 1.5})
                    .ok());
  }
  auto chat = reader().recent_chat(3);
  ASSERT_EQ(chat.size(), 3u);
  EXPECT_EQ(chat[0].text, "msg2");
  EXPECT_EQ(chat[2].text, "msg4");
  EXPECT_EQ(chat[1].origin, ChatOrigin::web);
  auto texts = reader().text_messages("esp", 2);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[0].text, "text3");
  EXPECT_EQ(texts[1].text, "text4");
  auto alerts = reader().recent_alerts(2);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].message, "alert3");
  EXPECT_EQ(alerts[0].device_id, "esp");
  EXPECT_FALSE(alerts[1].device_id.has_value());
  EXPECT_EQ(alerts[1].value, 6.0);
  EXPECT_EQ(reader().alert_count(), 5);  // the real count, not the length of a page
  EXPECT_EQ(reader().alert_count(3), 2);
  EXPECT_THROW(reader().recent_chat(0), std::invalid_argument);
}

TEST_P(StoreReaderTest, RowsConvertToJson) {
  ASSERT_TRUE(put(UpsertDevice{.id = "esp", .ts = 1, .group = "g", .transport = "udp"}).ok());
  auto c = put(EnqueueCommand{"esp", "led-on", CommandSource::standard_input, 10});
  EXPECT_EQ(boost::json::serialize(boost::json::value_from(reader().devices())),
            R"([{"id":"esp","name":"","group":"g","kind":"","transport":"udp","address":"",)"
            R"("online":true,"first_seen":1,"last_seen":1}])");
  EXPECT_EQ(boost::json::serialize(boost::json::value_from(*reader().command(c.id))),
            R"({"id":)" + std::to_string(c.id) +
                R"(,"device":"esp","command":"led-on","source":"stdin","state":"queued",)"
                R"("created":10})");
  ASSERT_TRUE(put(MarkCommandSent{c.id, 11}).ok());
  ASSERT_TRUE(put(MarkCommandAcked{c.id, 12, "OK"}).ok());
  auto command = boost::json::value_from(*reader().command(c.id));
  EXPECT_EQ(command.at("sent"), 11);
  EXPECT_EQ(command.at("acked"), 12);
  EXPECT_EQ(command.at("reply"), "OK");

  ASSERT_TRUE(put(InsertAlert{5, "hot", std::nullopt, "too hot", std::nullopt}).ok());
  auto alert = boost::json::value_from(reader().recent_alerts(1).at(0));
  EXPECT_EQ(alert.at("device"), "");
  EXPECT_FALSE(alert.as_object().contains("value"));
  ASSERT_TRUE(put(InsertReadings{"esp", 7, {Sample{"t", {}, "x"}}}).ok());
  auto reading = boost::json::value_from(reader().readings("esp", 0, 10, 1).at(0));
  EXPECT_TRUE(reading.at("value").is_null());
  EXPECT_EQ(reading.at("text"), "x");
  auto metrics = boost::json::value_from(store_->writer().metrics());
  EXPECT_EQ(metrics.at("batches_committed").as_uint64(), 6u);
}

TEST(StoreTypes, NamesRoundTrip) {
  for (auto s : {CommandSource::dashboard, CommandSource::rest, CommandSource::cli,
                 CommandSource::standard_input, CommandSource::rule})
    EXPECT_EQ(parse_command_source(to_string(s)), s);
  for (auto s :
       {CommandState::queued, CommandState::sent, CommandState::acked, CommandState::failed})
    EXPECT_EQ(parse_command_state(to_string(s)), s);
  EXPECT_EQ(parse_chat_origin("web"), ChatOrigin::web);
  EXPECT_FALSE(parse_chat_origin("udp").has_value());
  EXPECT_FALSE(parse_command_source("").has_value());
  EXPECT_EQ(to_string(CommandSource::standard_input), "stdin");
}

SOKET_STORE_BACKENDS(StoreReaderTest);

}  // namespace
}  // namespace soket::store
