// The broadcast options as the cluster adapters carry them (Node's redis-adapter `opts`): the
// volatile flag travels as flags.volatile, and only when set.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "soket/socketio/cluster_codec.hpp"

namespace soket::socketio::cluster_codec {
namespace {

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
