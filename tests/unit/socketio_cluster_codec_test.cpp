// The broadcast options as the cluster adapters carry them (Node's redis-adapter `opts`): the
// compress and volatile flags travel only when they differ from the default.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "soket/socketio/cluster_codec.hpp"
#include "soket/util/timer_delay.hpp"

namespace soket::socketio::cluster_codec {
namespace {

// compress(false) crosses the cluster as Node's adapter sends it: flags.compress = false, and
// nothing when the flag is left at its default.
TEST(ClusterCodec, CompressFlagTravelsOnlyWhenFalse) {
  BroadcastOptions options;
  options.rooms = {"room"};
  EXPECT_FALSE(
      cluster_codec::options_to_json(options).at("flags").as_object().contains("compress"));
  options.flags.compress = false;
  auto json = cluster_codec::options_to_json(options);
  EXPECT_EQ(boost::json::serialize(json.at("flags")), R"({"compress":false})");
  auto back = cluster_codec::options_from_json(json);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->flags.compress);
  EXPECT_EQ(back->rooms, std::vector<std::string>{"room"});
  auto from_node = cluster_codec::options_from_json(
      boost::json::parse(R"({"rooms":[],"except":[],"flags":{"compress":true,"timeout":50}})"));
  ASSERT_TRUE(from_node);
  EXPECT_TRUE(from_node->flags.compress);
  EXPECT_EQ(from_node->flags.timeout, std::chrono::milliseconds(50));
}

// Another node's timeout is cut to the longest timer delay: a deadline of now + 2^63 - 1 ms
// overflows the clock.
TEST(ClusterCodec, TimeoutFromAnotherNodeIsBounded) {
  auto huge = cluster_codec::options_from_json(
      boost::json::parse(R"({"rooms":[],"except":[],"flags":{"timeout":9223372036854775807}})"));
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->flags.timeout, kMaxTimerDelay);
  auto negative = cluster_codec::options_from_json(
      boost::json::parse(R"({"rooms":[],"except":[],"flags":{"timeout":-1}})"));
  ASSERT_TRUE(negative);
  EXPECT_FALSE(negative->flags.timeout);
}

TEST(ClusterCodec, VolatileFlagTravelsOnlyWhenSet) {
  BroadcastOptions options;
  options.rooms = {"a", "b"};
  options.except = {"c"};
  EXPECT_EQ(boost::json::serialize(options_to_json(options)),
            R"({"rooms":["a","b"],"except":["c"],"flags":{}})");
  options.flags.volatile_ = true;
  auto json = options_to_json(options);
  EXPECT_EQ(boost::json::serialize(json),
            R"({"rooms":["a","b"],"except":["c"],"flags":{"volatile":true}})");
  auto back = options_from_json(json);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->flags.volatile_);
  EXPECT_EQ(back->rooms, options.rooms);
  EXPECT_EQ(back->except, options.except);
}

TEST(ClusterCodec, VolatileFromNodeIsReadAndAWrongTypeIsIgnored) {
  auto from_node = options_from_json(
      boost::json::parse(R"({"rooms":["r"],"except":[],"flags":{"volatile":true,"local":false}})"));
  ASSERT_TRUE(from_node);
  EXPECT_TRUE(from_node->flags.volatile_);
  auto odd = options_from_json(boost::json::parse(R"({"rooms":[],"flags":{"volatile":"yes"}})"));
  ASSERT_TRUE(odd);
  EXPECT_FALSE(odd->flags.volatile_);
}

}  // namespace
}  // namespace soket::socketio::cluster_codec
