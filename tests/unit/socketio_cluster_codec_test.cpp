#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "soket/socketio/cluster_codec.hpp"

using namespace soket::socketio;

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
