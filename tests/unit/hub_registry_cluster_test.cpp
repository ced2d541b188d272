// The device registry of a hub node in a cluster: devices held by other nodes ("remote") are
// command targets for "*" and groups, and the REST/dashboard JSON says which node holds them.
#include <gtest/gtest.h>

#include "soket/hub/device_registry.hpp"

namespace soket::hub {
namespace {

LiveDevice& add(DeviceRegistry& registry, const std::string& id, const std::string& transport,
                bool online, bool remote, const std::string& node, const std::string& group = "") {
  LiveDevice& d = registry.get_or_add(id);
  d.transport = transport;
  d.online = online;
  d.remote = remote;
  d.node = node;
  d.group = group;
  return d;
}

TEST(HubRegistryCluster, StarReachesDevicesOnlineOnOtherNodes) {
  DeviceRegistry registry;
  add(registry, "here-offline", "tcp", false, false, "a");
  add(registry, "there-tcp", "tcp", true, true, "b");
  add(registry, "there-offline", "tcp", false, false, "b");
  add(registry, "there-udp", "udp", true, true, "b");
  EXPECT_EQ(registry.resolve("*"), std::vector<std::string>{"there-tcp"});
  registry.set_udp_commands(true);
  EXPECT_EQ(registry.resolve("*"), (std::vector<std::string>{"there-tcp", "there-udp"}));
}

TEST(HubRegistryCluster, GroupsCoverEveryNode) {
  DeviceRegistry registry;
  add(registry, "lamp-a", "tcp", true, false, "a", "gang-1");
  add(registry, "lamp-b", "tcp", true, true, "b", "gang-1");
  add(registry, "lamp-c", "tcp", false, false, "c", "gang-1");
  add(registry, "other", "tcp", true, true, "b", "gang-2");
  EXPECT_EQ(registry.resolve("group:gang-1"),
            (std::vector<std::string>{"lamp-a", "lamp-b", "lamp-c"}));
}

TEST(HubRegistryCluster, JsonNamesTheNodeOnlyInACluster) {
  DeviceRegistry registry;
  const auto& alone = add(registry, "alone", "tcp", true, false, "");
  const auto& there = add(registry, "there", "tcp", true, true, "b");
  EXPECT_FALSE(registry.to_json(alone).contains("node"));
  EXPECT_EQ(registry.to_json(there).at("node").as_string(), "b");
  EXPECT_EQ(registry.online_count(), 2u);
}

}  // namespace
}  // namespace soket::hub
