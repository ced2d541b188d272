// [cluster] node_id is the spelling of --node-id for the node's name (node_name stays valid).
#include <gtest/gtest.h>

#include "soket/hub/config.hpp"

namespace soket::hub {
namespace {

TEST(HubConfigNodeId, NodeIdNamesTheNode) {
  HubConfig config;
  load_config_text("[cluster]\nredis = \"redis://127.0.0.1:6390\"\nnode_id = \"hub-2\"\n", config,
                   "test.toml");
  EXPECT_EQ(config.node_name, "hub-2");
}

TEST(HubConfigNodeId, NodeIdMustBeText) {
  HubConfig config;
  EXPECT_THROW(load_config_text("[cluster]\nnode_id = 7\n", config, "test.toml"),
               std::runtime_error);
}

}  // namespace
}  // namespace soket::hub
