#include "soket/hub/config.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace soket::hub {
namespace {

// Like config/village.toml, with every other section filled in.
constexpr const char* kGood = R"toml(
[server]
bind = "127.0.0.1"
http_port = 5001
tcp_port = 2005
udp_port = 2006
chat_port = 59001
data_dir = "/tmp/village"
log_level = "debug"
udp_reply = false
fsync = false

[auth]
dashboard_token = "dash"
api_token = "api"
[auth.devices]
"lamp-1" = "one"
"*" = "any"

[groups]
gang-9 = ["lamp-9a", "lamp-9b"]

[chat]
prompt = "name?"
joined = "{name} joined"

[[village.alleys]]
name = "Gang 1"
light_sensor = "light-gang-1"
group = "gang-1"
on_below = 50      # integers are fine for numbers
off_above = 400.5

[[village.alleys]]
name = "Gang 2"
lamps = ["lamp-2a", "lamp-2b"]
schedule = { on = "18:00", off = "05:30" }
on_command = "led-on"
off_command = "led-off"

[[village.greenhouses]]
name = "Greenhouse 1"
device = "greenhouse-1"
temp = { min = 18, max = 32 }
hum = { min = 55, max = 90 }
hysteresis = 2.5
on_temp_high = "fan-on-fast"
)toml";

HubConfig load(const std::string& text) {
  HubConfig config;
  load_config_text(text, config, "test.toml");
  return config;
}

// The error message load_config_text throws for `text`; fails the test if it does not throw.
std::string error_of(const std::string& text) {
  try {
    load(text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

TEST(HubConfig, ReadsEverySection) {
  HubConfig c = load(kGood);
  EXPECT_EQ(c.bind, "127.0.0.1");
  EXPECT_EQ(c.http_port, 5001);
  EXPECT_EQ(c.tcp_port, 2005);
  EXPECT_EQ(c.udp_port, 2006);
  EXPECT_EQ(c.chat_port, 59001);
  EXPECT_EQ(c.data_dir, "/tmp/village");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_FALSE(c.udp_reply);
  EXPECT_FALSE(c.fsync);
  EXPECT_EQ(c.dashboard_token, "dash");
  EXPECT_EQ(c.api_token, "api");
  EXPECT_EQ(c.device_tokens.at("lamp-1"), "one");
  EXPECT_EQ(c.device_tokens.at("*"), "any");
  EXPECT_EQ(c.device_groups.at("lamp-9a"), "gang-9");
  EXPECT_EQ(c.device_groups.at("lamp-9b"), "gang-9");
  EXPECT_EQ(c.chat.prompt, "name?");
  EXPECT_EQ(c.chat.joined, "{name} joined");
  EXPECT_EQ(c.chat.welcome, "Kamu telah terhubung !");  // not in the file: the default stays

  ASSERT_EQ(c.alleys.size(), 2u);
  EXPECT_EQ(c.alleys[0].name, "Gang 1");
  EXPECT_EQ(c.alleys[0].light_sensor, "light-gang-1");
  EXPECT_EQ(c.alleys[0].group, "gang-1");
  EXPECT_DOUBLE_EQ(c.alleys[0].on_below, 50);
  EXPECT_DOUBLE_EQ(c.alleys[0].off_above, 400.5);
  EXPECT_FALSE(c.alleys[0].schedule_on_minute);
  EXPECT_EQ(c.alleys[0].on_command, "lamp-on");
  EXPECT_EQ(c.alleys[1].lamps, (std::vector<std::string>{"lamp-2a", "lamp-2b"}));
  EXPECT_EQ(c.alleys[1].schedule_on_minute, 18 * 60);
  EXPECT_EQ(c.alleys[1].schedule_off_minute, 5 * 60 + 30);
  EXPECT_EQ(c.alleys[1].on_command, "led-on");
  EXPECT_EQ(c.alleys[1].off_command, "led-off");

  ASSERT_EQ(c.greenhouses.size(), 1u);
  const auto& gh = c.greenhouses[0];
  EXPECT_EQ(gh.device, "greenhouse-1");
  ASSERT_TRUE(gh.temp && gh.hum);
  EXPECT_DOUBLE_EQ(gh.temp->min, 18);
  EXPECT_DOUBLE_EQ(gh.temp->max, 32);
  EXPECT_DOUBLE_EQ(gh.hum->min, 55);
  EXPECT_DOUBLE_EQ(gh.hum->max, 90);
  EXPECT_DOUBLE_EQ(gh.hysteresis, 2.5);
  EXPECT_EQ(gh.on_temp_high, "fan-on-fast");
  EXPECT_EQ(gh.on_temp_normal, "fan-off");
}

TEST(HubConfig, EmptyTextKeepsEveryValue) {
  HubConfig config;
  config.http_port = 1234;
  config.api_token = "kept";
  load_config_text("", config, "empty.toml");
  EXPECT_EQ(config.http_port, 1234);
  EXPECT_EQ(config.api_token, "kept");
  EXPECT_TRUE(config.alleys.empty());
  HubConfig defaults = load("# only a comment\n");
  EXPECT_EQ(defaults.http_port, 5000);
  EXPECT_EQ(defaults.tcp_port, 2004);
  EXPECT_EQ(defaults.chat_port, 59000);
  EXPECT_TRUE(defaults.device_tokens.empty());
}

TEST(HubConfig, ErrorsNameTheFileAndLine) {
  std::string e = error_of("[server]\n\nhttp_port = \"5000\"\n");
  EXPECT_EQ(e.rfind("test.toml:3: ", 0), 0u) << e;
  EXPECT_NE(e.find("server.http_port"), std::string::npos) << e;
  EXPECT_NE(e.find("port number"), std::string::npos) << e;
  std::string syntax = error_of("[server\nhttp_port = 1\n");
  EXPECT_EQ(syntax.rfind("test.toml:1: ", 0), 0u) << syntax;
}

struct BadCase {
  const char* name;
  const char* text;
  const char* expected;  // part of the message
};

TEST(HubConfig, ClusterSection) {
  HubConfig defaults = load("");
  EXPECT_EQ(defaults.redis_url, "");
  EXPECT_EQ(defaults.redis_adapter, "pubsub");
  EXPECT_EQ(defaults.stream_name, "socket.io");
  EXPECT_EQ(defaults.stream_count, 1u);
  EXPECT_EQ(defaults.stream_max_len, 10000u);
  HubConfig c = load(
      "[cluster]\nredis = \"redis://127.0.0.1:6390\"\nadapter = \"streams\"\n"
      "stream_name = \"village\"\nsharded = true\nnode_name = \"a\"\n"
      "stream_count = 4\nstream_max_len = 500\n");
  EXPECT_EQ(c.stream_count, 4u);
  EXPECT_EQ(c.stream_max_len, 500u);
  EXPECT_EQ(c.redis_url, "redis://127.0.0.1:6390");
  EXPECT_EQ(c.redis_adapter, "streams");
  EXPECT_EQ(c.stream_name, "village");
  EXPECT_TRUE(c.redis_sharded);
  EXPECT_EQ(c.node_name, "a");
}

TEST(HubConfig, StoreSection) {
  EXPECT_TRUE(load("").store_url.empty());  // SQLite in the data directory
  EXPECT_EQ(load("[store]\nurl = \"postgresql://soket@db:5432/hub\"\n").store_url,
            "postgresql://soket@db:5432/hub");
  EXPECT_EQ(load("[store]\nurl = \"postgres://u:p@127.0.0.1/hub\"\n").store_url,
            "postgres://u:p@127.0.0.1/hub");
  auto wrong_scheme = error_of("[store]\nurl = \"mysql://db/hub\"\n");
  EXPECT_NE(wrong_scheme.find("test.toml:2: 'store.url': it must start with postgresql://"),
            std::string::npos)
      << wrong_scheme;
  EXPECT_NE(error_of("[store]\npath = \"x\"\n").find("unknown setting 'store.path'"),
            std::string::npos);
}

TEST(HubConfig, DashboardSection) {
  EXPECT_EQ(load("").snapshot_devices, 200);
  EXPECT_EQ(load("[dashboard]\nsnapshot_devices = 50\n").snapshot_devices, 50);
  auto zero = error_of("[dashboard]\nsnapshot_devices = 0\n");
  EXPECT_NE(zero.find("test.toml:2: 'dashboard.snapshot_devices' must be 1 or more"),
            std::string::npos)
      << zero;
  EXPECT_NE(error_of("[dashboard]\npage = 5\n").find("unknown setting 'dashboard.page'"),
            std::string::npos);
}

TEST(HubConfig, TlsSection) {
  HubConfig c;
  load_config_text(
      "[tls]\ncert = \"/etc/soket/hub.pem\"\nkey = \"/etc/soket/hub.key\"\n"
      "devices = true\n",
      c, "test.toml");
  EXPECT_EQ(c.tls_cert, "/etc/soket/hub.pem");
  EXPECT_EQ(c.tls_key, "/etc/soket/hub.key");
  EXPECT_TRUE(c.tls_devices);
  EXPECT_FALSE(c.tls_chat);
}

class HubConfigErrors : public testing::TestWithParam<BadCase> {};

TEST_P(HubConfigErrors, RefusedWithAClearMessage) {
  std::string e = error_of(GetParam().text);
  EXPECT_NE(e.find(GetParam().expected), std::string::npos) << e;
  EXPECT_EQ(e.rfind("test.toml:", 0), 0u) << e;
}

constexpr const char* kAlley =
    "[[village.alleys]]\nname = \"G\"\nlight_sensor = \"s\"\ngroup = \"g\"\n";

const BadCase kBadCases[] = {
    {"UnknownSection", "[serverr]\nhttp_port = 1\n", "unknown setting 'serverr'"},
    {"UnknownServerKey", "[server]\nhtp_port = 1\n", "unknown setting 'server.htp_port'"},
    {"UnknownClusterAdapter", "[cluster]\nadapter = \"stream\"\n",
     "'cluster.adapter' must be \"pubsub\" or \"streams\""},
    {"EmptyStreamName", "[cluster]\nstream_name = \"\"\n",
     "'cluster.stream_name' must not be empty"},
    {"ZeroStreamCount", "[cluster]\nstream_count = 0\n",
     "'cluster.stream_count' must be a positive integer"},
    {"UnknownAuthKey", "[auth]\ntoken = \"x\"\n", "unknown setting 'auth.token'"},
    {"TlsCertWithoutKey", "[tls]\ncert = \"a.pem\"\n", "[tls] needs both 'cert' and 'key'"},
    {"TlsDevicesWithoutCert", "[tls]\ndevices = true\n",
     "[tls] devices/chat need 'cert' and 'key'"},
    {"UnknownTlsKey", "[tls]\ncert = \"a\"\nkey = \"b\"\nciphers = \"x\"\n",
     "unknown setting 'tls.ciphers'"},
    {"UnknownChatKey", "[chat]\nbye = \"x\"\n", "unknown setting 'chat.bye'"},
    {"UnknownVillageKey", "[village]\nstreets = 1\n", "unknown setting 'village.streets'"},
    {"UnknownAlleyKey",
     "[[village.alleys]]\nname = \"G\"\ngroup = \"g\"\nlight_sensor = \"s\"\non_bellow = 3\n",
     "unknown setting 'village.alleys.on_bellow'"},
    {"UnknownScheduleKey",
     "[[village.alleys]]\nname = \"G\"\ngroup = \"g\"\nschedule = { on = \"18:00\", off = "
     "\"06:00\", at = 1 }\n",
     "unknown setting 'village.alleys.schedule.at'"},
    {"UnknownGreenhouseKey", "[[village.greenhouses]]\nname = \"H\"\ndevice = \"d\"\nfan = \"x\"\n",
     "unknown setting 'village.greenhouses.fan'"},
    {"UnknownRangeKey",
     "[[village.greenhouses]]\nname = \"H\"\ndevice = \"d\"\ntemp = { min = 1, mid = 2, max = 3 "
     "}\n",
     "unknown setting 'village.greenhouses.temp.mid'"},
    {"PortAsString", "[server]\nhttp_port = \"5000\"\n", "must be a port number"},
    {"PortTooLarge", "[server]\ntcp_port = 70000\n", "must be a port number"},
    {"PortNegative", "[server]\nudp_port = -1\n", "must be a port number"},
    {"PortFloat", "[server]\nchat_port = 1.5\n", "must be a port number"},
    // Floats beyond int64 (toml++ alone would cast them unchecked: UBSan in the asan preset).
    {"PortFloatBeyondInt64", "[server]\nudp_port = 20e64\n", "must be a port number"},
    {"PortFloatInfinite", "[server]\nhttp_port = inf\n", "must be a port number"},
    {"CountFloatBeyondInt64", "[limits.devices]\nmax_connections = -9.3e18\n", "whole number"},
    {"NumberNaN",
     "[[village.alleys]]\nname = \"G\"\ngroup = \"g\"\nlight_sensor = \"s\"\non_below = nan\n",
     "must be a number"},
    {"RateInfinite", "[limits.devices]\nlines_per_second = inf\n", "must be a number"},
    {"BoolAsString", "[server]\nudp_reply = \"yes\"\n", "must be true or false"},
    {"StringAsNumber", "[server]\nbind = 127\n", "must be a string"},
    {"ServerNotTable", "server = 1\n", "must be a table"},
    {"AlleysNotArray", "[village]\nalleys = 1\n", "must be an array"},
    {"AlleysNotTables", "[village]\nalleys = [1]\n", "[[village.alleys]]"},
    {"NumberAsString",
     "[[village.alleys]]\nname = \"G\"\ngroup = \"g\"\nlight_sensor = \"s\"\non_below = \"dark\"\n",
     "must be a number"},
    {"LampsNotIds", "[[village.alleys]]\nname = \"G\"\nlight_sensor = \"s\"\nlamps = [1, 2]\n",
     "must list device ids"},
    {"DeviceTokenNotString", "[auth.devices]\nlamp = 5\n", "non-empty strings"},
    {"DeviceTokenEmpty", "[auth.devices]\nlamp = \"\"\n", "non-empty strings"},
    {"GroupNotList", "[groups]\ngang = \"lamp-1\"\n", "a group lists device ids"},
    {"GroupMemberNotString", "[groups]\ngang = [1]\n", "a group lists device ids"},
    {"ScheduleHourTooLarge",
     "[[village.alleys]]\nname = \"G\"\ngroup = \"g\"\nschedule = { on = \"25:00\", off = "
     "\"06:00\" }\n",
     "HH:MM"},
    {"ScheduleMinuteTooLarge",
     "[[village.alleys]]\nname = \"G\"\ngroup = \"g\"\nschedule = { on = \"18:00\", off = "
     "\"06:60\" }\n",
     "HH:MM"},
    {"ScheduleShortForm",
     "[[village.alleys]]\nname = \"G\"\ngroup = \"g\"\nschedule = { on = \"6:00\", off = \"18:00\" "
     "}\n",
     "HH:MM"},
    {"ScheduleMissingOff",
     "[[village.alleys]]\nname = \"G\"\ngroup = \"g\"\nschedule = { on = \"18:00\" }\n", "HH:MM"},
    {"ScheduleNotString",
     "[[village.alleys]]\nname = \"G\"\ngroup = \"g\"\nschedule = { on = 1800, off = \"06:00\" }\n",
     "must be a string"},
    {"RangeMinAboveMax",
     "[[village.greenhouses]]\nname = \"H\"\ndevice = \"d\"\ntemp = { min = 30, max = 20 }\n",
     "min must be below max"},
    {"RangeMinEqualsMax",
     "[[village.greenhouses]]\nname = \"H\"\ndevice = \"d\"\nhum = { min = 50, max = 50 }\n",
     "min must be below max"},
    {"RangeNotTable", "[[village.greenhouses]]\nname = \"H\"\ndevice = \"d\"\ntemp = 30\n",
     "must be a table"},
    {"AlleyWithoutLamps", "[[village.alleys]]\nname = \"G\"\nlight_sensor = \"s\"\n",
     "needs a lamp group or a list of lamps"},
    {"AlleyWithEmptyLampList",
     "[[village.alleys]]\nname = \"G\"\nlight_sensor = \"s\"\nlamps = []\n",
     "needs a lamp group or a list of lamps"},
    {"AlleyWithoutName", "[[village.alleys]]\nlight_sensor = \"s\"\ngroup = \"g\"\n",
     "needs a name"},
    {"AlleyWithoutSwitch", "[[village.alleys]]\nname = \"G\"\ngroup = \"g\"\n",
     "needs a light_sensor or a schedule"},
    {"AlleyThresholdsReversed",
     "[[village.alleys]]\nname = \"G\"\nlight_sensor = \"s\"\ngroup = \"g\"\non_below = "
     "400\noff_above = 50\n",
     "on_below must be below off_above"},
    {"AlleyThresholdsEqual",
     "[[village.alleys]]\nname = \"G\"\nlight_sensor = \"s\"\ngroup = \"g\"\non_below = "
     "50\noff_above = 50\n",
     "on_below must be below off_above"},
    {"GreenhouseNegativeHysteresis",
     "[[village.greenhouses]]\nname = \"H\"\ndevice = \"d\"\nhysteresis = -1\n",
     "hysteresis must not be negative"},
    {"GreenhouseWithoutDevice", "[[village.greenhouses]]\nname = \"H\"\n",
     "needs a name and a device"},
    {"SyntaxError", "[server\n", "test.toml:1:"},
    {"DuplicateKey", "[server]\nhttp_port = 1\nhttp_port = 2\n", "test.toml:3:"},
};

INSTANTIATE_TEST_SUITE_P(Bad, HubConfigErrors, testing::ValuesIn(kBadCases),
                         [](const testing::TestParamInfo<BadCase>& info) {
                           return info.param.name;
                         });

TEST(HubConfig, AGoodAlleyNextToTheBadCasesIsAccepted) {
  // The bad cases above differ from this one in one thing each.
  HubConfig c = load(kAlley);
  ASSERT_EQ(c.alleys.size(), 1u);
  EXPECT_DOUBLE_EQ(c.alleys[0].on_below, 30);
  EXPECT_DOUBLE_EQ(c.alleys[0].off_above, 60);
}

TEST(HubConfig, ParseClock) {
  EXPECT_EQ(parse_clock("00:00"), 0);
  EXPECT_EQ(parse_clock("05:30"), 330);
  EXPECT_EQ(parse_clock("23:59"), 23 * 60 + 59);
  for (const char* bad :
       {"", "24:00", "12:60", "1:00", "12:0", "12-00", "ab:cd", "12:00 ", " 12:00", "+1:00"})
    EXPECT_FALSE(parse_clock(bad)) << bad;
}

}  // namespace
}  // namespace soket::hub

TEST(HubConfigDevices, IdleAndDeadPeerTimeoutsComeFromTheDevicesTable) {
  soket::hub::HubConfig config;
  EXPECT_EQ(config.device_idle_timeout, std::chrono::seconds(300));
  EXPECT_LT(config.dead_peer_timeout, std::chrono::seconds(30));
  soket::hub::load_config_text("[devices]\nidle_timeout = 0\ndead_peer_timeout = 12\n", config);
  EXPECT_EQ(config.device_idle_timeout, std::chrono::seconds(0));
  EXPECT_EQ(config.dead_peer_timeout, std::chrono::seconds(12));
  EXPECT_THROW(soket::hub::load_config_text("[devices]\nidle_timeout = \"5m\"\n", config),
               std::runtime_error);
  EXPECT_THROW(soket::hub::load_config_text("[devices]\nidle = 5\n", config), std::runtime_error);
}
