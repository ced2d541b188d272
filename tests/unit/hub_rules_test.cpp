#include "soket/hub/rules.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace soket::hub {
namespace {

HubConfig village() {
  HubConfig c;
  AlleyRule gang1;
  gang1.name = "Gang 1";
  gang1.light_sensor = "light-1";
  gang1.group = "gang-1";
  gang1.lamps = {"lamp-x"};
  gang1.on_below = 50;
  gang1.off_above = 400;
  c.alleys.push_back(gang1);

  AlleyRule night;  // on from 18:00 to 05:30, past midnight
  night.name = "Night";
  night.group = "night";
  night.schedule_on_minute = 18 * 60;
  night.schedule_off_minute = 5 * 60 + 30;
  c.alleys.push_back(night);

  AlleyRule morning;  // a window within one day
  morning.name = "Morning";
  morning.lamps = {"lamp-m"};
  morning.schedule_on_minute = 6 * 60;
  morning.schedule_off_minute = 7 * 60;
  morning.on_command = "led-on";
  morning.off_command = "led-off";
  c.alleys.push_back(morning);

  GreenhouseRule gh;
  gh.name = "GH 1";
  gh.device = "gh-1";
  gh.temp = Range{18, 32};
  gh.hum = Range{55, 90};
  // The tests below check the crossings and the hysteresis alone; min_switch_time has its own.
  gh.hysteresis = 1;
  gh.min_switch_time = std::chrono::seconds(0);
  c.greenhouses.push_back(gh);
  return c;
}

// The target of a command action: a device id, or "lamps of <alley>" (resolved by the hub).
std::string target(const RuleAction& a) {
  return a.alley ? "lamps of " + a.alley->name : a.to;
}

// "<target> <command>" for each command action, "alert: <message>" for each alert.
std::vector<std::string> describe(const std::vector<RuleAction>& actions) {
  std::vector<std::string> out;
  for (const auto& a : actions) {
    if (!a.command.empty()) out.push_back(target(a) + " " + a.command);
    if (!a.alert.empty()) out.push_back("alert: " + a.alert);
  }
  return out;
}

std::vector<std::string> commands(const std::vector<RuleAction>& actions) {
  std::vector<std::string> out;
  for (const auto& a : actions)
    if (!a.command.empty()) out.push_back(target(a) + " " + a.command);
  return out;
}

class Rules : public testing::Test {
 protected:
  HubConfig config_ = village();
  RulesEngine rules_{config_};

  std::vector<std::string> light(double v) {
    return commands(rules_.on_reading("light-1", {{"light", v}}));
  }
  std::vector<RuleAction> gh(std::map<std::string, double> values) {
    return rules_.on_reading("gh-1", values);
  }
};

const std::vector<std::string> kOn = {"lamps of Gang 1 lamp-on"};
const std::vector<std::string> kOff = {"lamps of Gang 1 lamp-off"};
const std::vector<std::string> kNothing = {};

TEST_F(Rules, AlleyFiresOncePerCrossing) {
  EXPECT_EQ(light(300), kNothing);  // between the thresholds at the start: no news
  EXPECT_EQ(light(50), kNothing);   // on_below itself is not below
  EXPECT_EQ(light(49.9), kOn);
  EXPECT_EQ(light(10), kNothing);
  EXPECT_EQ(light(49), kNothing);
  EXPECT_EQ(light(200), kNothing);  // inside the gap: the lamps stay on
  EXPECT_EQ(light(400), kNothing);  // off_above itself is not above
  EXPECT_EQ(light(400.1), kOff);
  EXPECT_EQ(light(900), kNothing);
  EXPECT_EQ(light(100), kNothing);  // inside the gap: the lamps stay off
  EXPECT_EQ(light(401), kNothing);
  EXPECT_EQ(light(0), kOn);
  EXPECT_EQ(light(1), kNothing);
}

TEST_F(Rules, AlleyStartingInTheLightSwitchesOff) {
  EXPECT_EQ(light(1000), kOff);
  EXPECT_EQ(light(1000), kNothing);
}

TEST_F(Rules, AlleyActionsCarryTheRuleDeviceAndValue) {
  auto actions = rules_.on_reading("light-1", {{"light", 12}, {"temp", 20}});
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].alley, &config_.alleys[0]);
  EXPECT_TRUE(actions[0].to.empty());
  for (const auto& a : actions) {
    EXPECT_EQ(a.rule, "alley:Gang 1");
    EXPECT_EQ(a.device, "light-1");
    EXPECT_EQ(a.value, 12);
  }
  EXPECT_EQ(describe(actions).back(), "alert: Gang 1: lamps on (light 12 < 50)");
}

TEST_F(Rules, AlleyIgnoresOtherDevicesAndKeys) {
  EXPECT_TRUE(rules_.on_reading("light-2", {{"light", 1}}).empty());
  EXPECT_TRUE(rules_.on_reading("light-1", {{"lux", 1}}).empty());
  EXPECT_TRUE(rules_.on_reading("light-1", {}).empty());
  EXPECT_EQ(light(1), kOn);  // still the first crossing
}

TEST_F(Rules, ScheduleWindowPastMidnight) {
  // At noon the night lamps are off and the morning lamps too: the first tick states both.
  EXPECT_EQ(commands(rules_.on_clock(12 * 60)),
            (std::vector<std::string>{"lamps of Night lamp-off", "lamps of Morning led-off"}));
  EXPECT_EQ(commands(rules_.on_clock(12 * 60 + 1)), kNothing);
  EXPECT_EQ(commands(rules_.on_clock(17 * 60 + 59)), kNothing);
  EXPECT_EQ(commands(rules_.on_clock(18 * 60)),
            (std::vector<std::string>{"lamps of Night lamp-on"}));
  EXPECT_EQ(commands(rules_.on_clock(23 * 60 + 59)), kNothing);
  EXPECT_EQ(commands(rules_.on_clock(0)), kNothing);  // past midnight: still on
  EXPECT_EQ(commands(rules_.on_clock(5 * 60 + 29)), kNothing);
  EXPECT_EQ(commands(rules_.on_clock(5 * 60 + 30)),
            (std::vector<std::string>{"lamps of Night lamp-off"}));
  EXPECT_EQ(commands(rules_.on_clock(6 * 60)),
            (std::vector<std::string>{"lamps of Morning led-on"}));
  EXPECT_EQ(commands(rules_.on_clock(6 * 60 + 59)), kNothing);
  EXPECT_EQ(commands(rules_.on_clock(7 * 60)),
            (std::vector<std::string>{"lamps of Morning led-off"}));
  EXPECT_EQ(commands(rules_.on_clock(7 * 60)), kNothing);
}

TEST_F(Rules, ScheduleStartingAtNight) {
  auto actions = rules_.on_clock(2 * 60);  // 02:00: the night lamps are on, the morning ones off
  EXPECT_EQ(commands(actions),
            (std::vector<std::string>{"lamps of Night lamp-on", "lamps of Morning led-off"}));
  for (const auto& a : actions) {
    EXPECT_TRUE(a.device.empty());
    EXPECT_FALSE(a.value);
  }
  EXPECT_EQ(describe(actions)[1], "alert: Night: lamps on (schedule)");
  // The light rule of Gang 1 has no schedule and is not touched by the clock.
  for (const auto& a : actions)
    EXPECT_NE(a.rule, "alley:Gang 1");
}

TEST_F(Rules, GreenhouseHighLowAndBackToNormal) {
  EXPECT_TRUE(gh({{"temp", 25}, {"hum", 70}}).empty());  // starting inside the ranges: no news
  EXPECT_EQ(describe(gh({{"temp", 35}})),
            (std::vector<std::string>{"alert: GH 1: temperature 35 above 32", "gh-1 fan-on"}));
  EXPECT_TRUE(gh({{"temp", 36}}).empty());
  // Back inside the range, but within the hysteresis (1 by default) of max: still high.
  EXPECT_TRUE(gh({{"temp", 32}}).empty());
  EXPECT_TRUE(gh({{"temp", 31.5}}).empty());
  EXPECT_TRUE(gh({{"temp", 40}}).empty());
  auto back = gh({{"temp", 31}});
  ASSERT_EQ(back.size(), 2u);
  EXPECT_NE(back[0].alert.find("back within 18"), std::string::npos) << back[0].alert;
  EXPECT_EQ(commands(back), (std::vector<std::string>{"gh-1 fan-off"}));
  EXPECT_TRUE(gh({{"temp", 31.9}}).empty());
  EXPECT_EQ(
      describe(gh({{"temp", 10}})),
      (std::vector<std::string>{"alert: GH 1: temperature 10 below 18"}));  // no command for cold
  EXPECT_TRUE(gh({{"temp", 18.5}}).empty());  // within the hysteresis of min: still low
  EXPECT_EQ(describe(gh({{"temp", 40}})),     // straight from low to high
            (std::vector<std::string>{"alert: GH 1: temperature 40 above 32", "gh-1 fan-on"}));
  EXPECT_EQ(commands(gh({{"temp", 25}})), (std::vector<std::string>{"gh-1 fan-off"}));

  EXPECT_EQ(describe(gh({{"hum", 40}})),
            (std::vector<std::string>{"alert: GH 1: humidity 40 below 55", "gh-1 pump-on"}));
  EXPECT_TRUE(gh({{"hum", 41}}).empty());
  EXPECT_TRUE(gh({{"hum", 55.5}}).empty());
  // Straight from dry to humid: the pump that was on goes off (humid has no command of its own,
  // it wants the pump as in the normal state).
  EXPECT_EQ(describe(gh({{"hum", 95}})),
            (std::vector<std::string>{"alert: GH 1: humidity 95 above 90", "gh-1 pump-off"}));
  // Back to normal: an alert, and no second pump-off for a pump that is off.
  EXPECT_EQ(commands(gh({{"hum", 60}})), kNothing);
}

TEST_F(Rules, GreenhouseSendsOnlyWhatChangesTheFanOrPump) {
  EXPECT_TRUE(gh({{"temp", 25}, {"hum", 70}}).empty());
  // Humid and back: alerts only; the pump was never on, so no pump-off.
  EXPECT_EQ(describe(gh({{"hum", 95}})),
            (std::vector<std::string>{"alert: GH 1: humidity 95 above 90"}));
  EXPECT_EQ(commands(gh({{"hum", 70}})), kNothing);
  // Cold and back: the fan was never on either.
  EXPECT_EQ(commands(gh({{"temp", 10}})), kNothing);
  EXPECT_EQ(commands(gh({{"temp", 25}})), kNothing);
  // Hot, then straight to cold: the fan goes off (it stayed on before), once.
  EXPECT_EQ(commands(gh({{"temp", 35}})), (std::vector<std::string>{"gh-1 fan-on"}));
  EXPECT_EQ(describe(gh({{"temp", 10}})),
            (std::vector<std::string>{"alert: GH 1: temperature 10 below 18", "gh-1 fan-off"}));
  EXPECT_EQ(commands(gh({{"temp", 25}})), kNothing);
  // Cold from the start: nothing to switch off.
  RulesEngine fresh{config_};
  EXPECT_EQ(commands(fresh.on_reading("gh-1", {{"temp", 5}})), kNothing);
}

TEST_F(Rules, GreenhouseWithoutHysteresisComesBackAtTheEdge) {
  config_.greenhouses[0].hysteresis = 0;
  EXPECT_EQ(commands(gh({{"temp", 33}})), (std::vector<std::string>{"gh-1 fan-on"}));
  EXPECT_EQ(commands(gh({{"temp", 32}})), (std::vector<std::string>{"gh-1 fan-off"}));
}

TEST_F(Rules, GreenhouseBothKeysInOneReading) {
  auto actions = gh({{"temp", 50}, {"hum", 20}});
  EXPECT_EQ(commands(actions), (std::vector<std::string>{"gh-1 fan-on", "gh-1 pump-on"}));
  for (const auto& a : actions) {
    EXPECT_EQ(a.rule, "greenhouse:GH 1");
    EXPECT_EQ(a.device, "gh-1");
  }
  EXPECT_TRUE(rules_.on_reading("gh-2", {{"temp", 99}}).empty());
  EXPECT_TRUE(gh({{"light", 5}}).empty());
}

TEST_F(Rules, GreenhouseStartingOutOfRangeIsNews) {
  EXPECT_EQ(commands(gh({{"temp", 33}})), (std::vector<std::string>{"gh-1 fan-on"}));
}

TEST(RulesDefaults, GreenhouseHasAWideHysteresisAndAMinimumSwitchTime) {
  GreenhouseRule rule;
  EXPECT_EQ(rule.hysteresis, 2.0);
  EXPECT_EQ(rule.min_switch_time, std::chrono::seconds(120));
  EXPECT_EQ(HubConfig{}.override_duration, std::chrono::seconds(3600));
}

TEST_F(Rules, GreenhouseFanStaysSwitchedForItsMinimumTime) {
  config_.greenhouses[0].hysteresis = 2;
  config_.greenhouses[0].min_switch_time = std::chrono::seconds(120);
  const int64_t t0 = 1'700'000'000'000;
  auto at = [&](int64_t s, double temp) {
    return describe(rules_.on_reading("gh-1", {{"temp", temp}}, t0 + s * 1000));
  };
  EXPECT_EQ(at(0, 35),
            (std::vector<std::string>{"alert: GH 1: temperature 35 above 32", "gh-1 fan-on"}));
  EXPECT_EQ(at(10, 20), kNothing);  // cooled at once, but the fan runs its minimum time
  EXPECT_EQ(at(60, 35), kNothing);  // the same episode
  EXPECT_EQ(at(119, 20), kNothing);
  auto back = at(121, 20);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_NE(back[0].find("back within"), std::string::npos) << back[0];
  EXPECT_EQ(back[1], "gh-1 fan-off");
  EXPECT_EQ(at(130, 35), kNothing);  // off for its minimum time too
  EXPECT_EQ(at(241, 35),
            (std::vector<std::string>{"alert: GH 1: temperature 35 above 32", "gh-1 fan-on"}));
}

TEST_F(Rules, GreenhouseStartingInsideItsRangeSwitchesAtOnce) {
  config_.greenhouses[0].min_switch_time = std::chrono::seconds(120);
  const int64_t t0 = 1'700'000'000'000;
  EXPECT_TRUE(rules_.on_reading("gh-1", {{"temp", 25}}, t0).empty());
  EXPECT_EQ(commands(rules_.on_reading("gh-1", {{"temp", 35}}, t0 + 1000)),
            (std::vector<std::string>{"gh-1 fan-on"}));
}

TEST_F(Rules, GreenhouseAroundItsMaximumDoesNotFlap) {
  // The defaults: a reading every 5 s for an hour wobbling around max (31..33.5) and a fan that
  // cools: a handful of switches, not one per reading.
  GreenhouseRule defaults;
  config_.greenhouses[0].hysteresis = defaults.hysteresis;
  config_.greenhouses[0].min_switch_time = defaults.min_switch_time;
  const int64_t t0 = 1'700'000'000'000;
  int alerts = 0, switches = 0;
  for (int i = 0; i < 720; ++i) {
    double temp = 31 + (i % 6) * 0.5;  // 31, 31.5, ... 33.5
    for (const auto& a : rules_.on_reading("gh-1", {{"temp", temp}}, t0 + i * 5000)) {
      alerts += !a.alert.empty();
      switches += !a.command.empty();
    }
  }
  EXPECT_EQ(switches, 1);  // on once; never back under max - hysteresis (30): stays on
  EXPECT_EQ(alerts, 1);
}

TEST_F(Rules, LampThatComesOnlineGetsItsAlleysState) {
  EXPECT_TRUE(rules_.on_lamp_online("lamp-7", "gang-1").empty());  // no state known yet
  EXPECT_EQ(light(10), kOn);
  EXPECT_EQ(commands(rules_.on_lamp_online("lamp-7", "gang-1")),
            (std::vector<std::string>{"lamp-7 lamp-on"}));
  EXPECT_EQ(commands(rules_.on_lamp_online("lamp-x", "")),  // listed by id
            (std::vector<std::string>{"lamp-x lamp-on"}));
  EXPECT_TRUE(rules_.on_lamp_online("lamp-9", "gang-2").empty());
  EXPECT_TRUE(rules_.on_lamp_online("light-1", "gang-1").empty());  // the sensor is no lamp
  EXPECT_EQ(light(500), kOff);
  EXPECT_EQ(commands(rules_.on_lamp_online("lamp-7", "gang-1")),
            (std::vector<std::string>{"lamp-7 lamp-off"}));
}

TEST_F(Rules, ManualOffAtNightIsAnOverrideWithAnEnd) {
  const int64_t t0 = 1'700'000'000'000;
  config_.override_duration = std::chrono::seconds(600);
  EXPECT_EQ(light(10), kOn);
  auto off = commands(rules_.manual_lamps_off(t0));
  EXPECT_EQ(off, (std::vector<std::string>{"lamps of Gang 1 lamp-off", "lamps of Night lamp-off",
                                           "lamps of Morning led-off"}));
  auto status = rules_.alleys();
  ASSERT_EQ(status.size(), 3u);
  EXPECT_TRUE(status[0].overridden);
  EXPECT_EQ(status[0].lamps_on, false);
  EXPECT_EQ(status[0].override_until, t0 + 600'000);
  EXPECT_FALSE(status[1].overridden);  // no state known: not held on, nothing to override
  EXPECT_EQ(rules_.next_override_end(), t0 + 600'000);
  // A lamp that connects during the override stays off; darker readings change nothing.
  EXPECT_EQ(commands(rules_.on_lamp_online("lamp-7", "gang-1")),
            (std::vector<std::string>{"lamp-7 lamp-off"}));
  EXPECT_EQ(light(5), kNothing);
  EXPECT_TRUE(rules_.on_tick(t0 + 599'999).empty());
  // Time is up: back to the rule's state.
  auto end = rules_.on_tick(t0 + 600'000);
  EXPECT_EQ(commands(end), kOn);
  EXPECT_EQ(describe(end).back(), "alert: Gang 1: the manual off ended; lamps on again");
  EXPECT_FALSE(rules_.alleys()[0].overridden);
  EXPECT_EQ(rules_.alleys()[0].lamps_on, true);
  EXPECT_FALSE(rules_.next_override_end());

  // Again; this time the next crossing (dawn) ends it first.
  rules_.manual_lamps_off(t0 + 700'000);
  EXPECT_TRUE(rules_.alleys()[0].overridden);
  EXPECT_EQ(light(500), kOff);
  EXPECT_FALSE(rules_.alleys()[0].overridden);
  EXPECT_TRUE(rules_.on_tick(t0 + 2'000'000).empty());
}

TEST_F(Rules, ManualOffWithoutDurationHoldsUntilTheNextCrossing) {
  config_.override_duration = std::chrono::seconds(0);
  EXPECT_EQ(light(10), kOn);
  rules_.manual_lamps_off(1000);
  EXPECT_TRUE(rules_.alleys()[0].overridden);
  EXPECT_FALSE(rules_.alleys()[0].override_until);
  EXPECT_FALSE(rules_.next_override_end());
  EXPECT_TRUE(rules_.on_tick(1LL << 50).empty());
  EXPECT_EQ(light(500), kOff);
  EXPECT_EQ(light(10), kOn);  // the next night is the rule's again
}

TEST_F(Rules, ManualOffByDayIsNoOverride) {
  EXPECT_EQ(light(900), kOff);
  auto actions = rules_.manual_lamps_off(1000);
  EXPECT_EQ(commands(actions)[0], "lamps of Gang 1 lamp-off");
  for (const auto& a : actions)
    EXPECT_TRUE(a.alert.empty()) << a.alert;
  EXPECT_FALSE(rules_.alleys()[0].overridden);
}

}  // namespace
}  // namespace soket::hub
