// The simulator without I/O: day curves, device models, backoff, the village plan and options.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "soket/gateway/device_message.hpp"
#include "soket/simulator/backoff.hpp"
#include "soket/simulator/curves.hpp"
#include "soket/simulator/models.hpp"
#include "soket/simulator/options.hpp"
#include "soket/simulator/plan.hpp"
#include "soket/simulator/server_line.hpp"

namespace soket::simulator {
namespace {

using namespace std::chrono_literals;

// Parses `key=<number>` out of a reading line.
double value_of(const std::string& line, const std::string& key) {
  std::smatch m;
  std::regex re("(?:^| )" + key + "=(-?[0-9]+(?:\\.[0-9]+)?)");
  if (!std::regex_search(line, m, re)) ADD_FAILURE() << key << " missing in '" << line << "'";
  return m.empty() ? 0 : std::stod(m[1]);
}

// --- curves

TEST(SimulatorCurves, SimulatedDayLastsTwentyFourHoursOverTimeScale) {
  // At 120x a simulated day lasts 12 real minutes.
  EXPECT_DOUBLE_EQ(simulated_hours(17, 120, 0s), 17);
  EXPECT_DOUBLE_EQ(simulated_hours(17, 120, 12min), 41);
  EXPECT_DOUBLE_EQ(simulated_hours(0, 120, 30s), 1);
  EXPECT_DOUBLE_EQ(simulated_hours(6, 1, 1h), 7);
  EXPECT_DOUBLE_EQ(hour_of_day(41), 17);
  EXPECT_DOUBLE_EQ(hour_of_day(24), 0);
  EXPECT_DOUBLE_EQ(hour_of_day(-1), 23);
}

TEST(SimulatorCurves, DaylightFollowsTheSun) {
  EXPECT_NEAR(daylight_lux(12), 30000, 1);
  EXPECT_NEAR(daylight_lux(6), 400, 1);
  EXPECT_NEAR(daylight_lux(18), 400, 1);
  EXPECT_NEAR(daylight_lux(0), 1, 0.01);
  EXPECT_NEAR(daylight_lux(36), daylight_lux(12), 1e-9);  // the next day is the same
  // Night below 50 lux from ~18:10 to ~05:50; day above it.
  EXPECT_GT(daylight_lux(18 + 8.0 / 60), 50);
  EXPECT_LT(daylight_lux(18 + 12.0 / 60), 50);
  EXPECT_LT(daylight_lux(6 - 12.0 / 60), 50);
  EXPECT_GT(daylight_lux(6 - 8.0 / 60), 50);
  EXPECT_LT(daylight_lux(19), 2);
  // Falls monotonically through the evening and rises through the morning.
  for (double h = 12; h < 23.9; h += 0.1)
    EXPECT_GE(daylight_lux(h), daylight_lux(h + 0.1)) << h;
  for (double h = 0.1; h < 11.9; h += 0.1)
    EXPECT_LE(daylight_lux(h), daylight_lux(h + 0.1)) << h;
}

TEST(SimulatorCurves, GreenhouseClimatePeaksInTheAfternoon) {
  EXPECT_NEAR(greenhouse_temperature(14), 34, 1e-9);
  EXPECT_NEAR(greenhouse_temperature(2), 22, 1e-9);
  EXPECT_NEAR(greenhouse_humidity(14), 60, 1e-9);
  EXPECT_NEAR(greenhouse_humidity(2), 90, 1e-9);
  for (double h = 0; h < 24; h += 0.25) {
    EXPECT_GE(greenhouse_temperature(h), 22 - 1e-9);
    EXPECT_LE(greenhouse_temperature(h), 34 + 1e-9);
    EXPECT_GT(greenhouse_temperature(14), greenhouse_temperature(h) - 1e-9);
  }
}

// --- models

TEST(SimulatorModels, LampObeysLampAndLedCommands) {
  LampModel lamp;
  EXPECT_EQ(lamp.reading(17), "lamp=0");
  auto on = lamp.command("lamp-on");
  EXPECT_TRUE(on.known);
  EXPECT_TRUE(on.state_changed);
  EXPECT_EQ(on.reply, "OK");
  EXPECT_EQ(lamp.reading(17.1), "lamp=1");
  // Again: still OK, nothing changed.
  auto again = lamp.command("  LAMP-ON\r");
  EXPECT_EQ(again.reply, "OK");
  EXPECT_FALSE(again.state_changed);
  EXPECT_TRUE(lamp.command("led-off").state_changed);
  EXPECT_EQ(lamp.reading(17.2), "lamp=0");
  EXPECT_TRUE(lamp.command("Led-On").state_changed);
  EXPECT_TRUE(lamp.on());
}

TEST(SimulatorModels, UnknownCommandsGetAnErrorAndChangeNothing) {
  LampModel lamp;
  for (const char* bad : {"dance", "lamp-onn", "lamp-", "lamp", "fan-on", "lamp on", "-on"}) {
    auto out = lamp.command(bad);
    EXPECT_FALSE(out.known) << bad;
    EXPECT_FALSE(out.state_changed) << bad;
    EXPECT_EQ(out.reply, std::string("ERR unknown command: ") + bad);
  }
  EXPECT_EQ(lamp.command("").reply, "ERR unknown command");
  // The echo is bounded and printable.
  auto out = lamp.command(std::string(500, 'x') + "\x01");
  EXPECT_EQ(out.reply, "ERR unknown command: " + std::string(64, 'x'));
  EXPECT_EQ(lamp.command("a\x01z").reply, "ERR unknown command: a?z");
  EXPECT_EQ(lamp.reading(1), "lamp=0");

  LightSensorModel light(7);
  EXPECT_TRUE(light.command("led-on").known);
  EXPECT_FALSE(light.command("lamp-on").known);
}

TEST(SimulatorModels, LightSensorReadsDayAndNight) {
  LightSensorModel sensor(42);
  std::regex format("^light=[0-9]+\\.[0-9]$");
  double noon = 0, midnight = 0;
  for (int i = 0; i < 20; ++i) {
    auto day = sensor.reading(12 + i * 0.01);
    auto night = sensor.reading(24 + i * 0.01);
    EXPECT_TRUE(std::regex_match(day, format)) << day;
    EXPECT_TRUE(std::regex_match(night, format)) << night;
    noon = value_of(day, "light");
    midnight = value_of(night, "light");
    EXPECT_GT(noon, 30000 * 0.6 * 0.5 * 0.8);
    EXPECT_LE(noon, 30000 * 1.1);
    EXPECT_LT(midnight, 2);
  }
}

TEST(SimulatorModels, SameSeedSameReadingsOtherSeedOtherReadings) {
  LightSensorModel a(5), b(5), c(6);
  GreenhouseModel ga(5), gb(5), gc(6);
  bool differs = false;
  for (int i = 0; i < 10; ++i) {
    double t = 8 + i * 0.1;
    auto ra = a.reading(t);
    EXPECT_EQ(ra, b.reading(t));
    differs |= ra != c.reading(t);
    auto g = ga.reading(t);
    EXPECT_EQ(g, gb.reading(t));
    differs |= g != gc.reading(t);
  }
  EXPECT_TRUE(differs);
}

TEST(SimulatorModels, GreenhouseFollowsTheDayAndItsFanCools) {
  std::regex format("^temp=[0-9]+\\.[0-9] hum=[0-9]+\\.[0-9] fan=[01] pump=[01]$");
  GreenhouseModel plain(9), cooled(9);
  EXPECT_TRUE(cooled.command("fan-on").state_changed);
  EXPECT_EQ(cooled.command("fan-on").reply, "OK");
  // Start both at 10:00 without fan influence on the first value, then let an hour pass.
  std::string p, c;
  for (int minute = 0; minute <= 120; minute += 4) {
    p = plain.reading(10 + minute / 60.0);
    c = cooled.reading(10 + minute / 60.0);
    EXPECT_TRUE(std::regex_match(p, format)) << p;
    EXPECT_TRUE(std::regex_match(c, format)) << c;
  }
  EXPECT_NEAR(value_of(p, "temp"), greenhouse_temperature(12), 1.6);
  EXPECT_NEAR(value_of(p, "hum"), greenhouse_humidity(12), 2.5);
  EXPECT_LT(value_of(c, "temp"), value_of(p, "temp") - 4);
  EXPECT_LT(value_of(c, "hum"), value_of(p, "hum") - 6);
  EXPECT_EQ(value_of(c, "fan"), 1);
  EXPECT_EQ(value_of(p, "fan"), 0);

  // Switching the fan off lets the temperature rise back towards the curve.
  cooled.command("fan-off");
  double before = *cooled.temperature();
  for (int minute = 124; minute <= 240; minute += 4)
    c = cooled.reading(10 + minute / 60.0);
  EXPECT_GT(value_of(c, "temp"), before + 3);
  EXPECT_EQ(value_of(c, "fan"), 0);

  // The pump wets.
  GreenhouseModel dry(3), wet(3);
  wet.command("pump-on");
  std::string d, w;
  for (int minute = 0; minute <= 120; minute += 4) {
    d = dry.reading(13 + minute / 60.0);
    w = wet.reading(13 + minute / 60.0);
  }
  EXPECT_GT(value_of(w, "hum"), value_of(d, "hum") + 10);
  EXPECT_EQ(value_of(w, "pump"), 1);
  EXPECT_FALSE(wet.command("lamp-on").known);
}

TEST(SimulatorModels, GreenhouseIgnoresTimeGoingBackwards) {
  GreenhouseModel g(1);
  EXPECT_FALSE(g.temperature().has_value());
  g.reading(12);
  double before = *g.temperature();
  EXPECT_NEAR(before, greenhouse_temperature(12), 1.0);
  g.command("fan-on");
  g.reading(11);  // no time passes: no cooling yet
  EXPECT_DOUBLE_EQ(*g.temperature(), before);
  g.reading(13);  // now it does
  EXPECT_LT(*g.temperature(), before - 3);
}

// --- server lines

TEST(SimulatorServerLine, ClassifiesRepliesAndCommands) {
  EXPECT_EQ(classify_server_line("OK"), ServerLine::ok);
  EXPECT_EQ(classify_server_line("OK\r"), ServerLine::ok);
  EXPECT_EQ(classify_server_line("OK stored"), ServerLine::ok);
  EXPECT_EQ(classify_server_line("ERR bad reading"), ServerLine::err);
  EXPECT_EQ(classify_server_line("ERR"), ServerLine::err);
  EXPECT_EQ(classify_server_line("  \t\r"), ServerLine::blank);
  EXPECT_EQ(classify_server_line("OKAY"), ServerLine::command);
  EXPECT_EQ(classify_server_line("ERROR"), ServerLine::command);
  EXPECT_EQ(classify_server_line("ok"), ServerLine::command);
  EXPECT_EQ(classify_server_line("lamp-on"), ServerLine::command);
}

// --- backoff

TEST(SimulatorBackoff, DoublesUpToTheCapWithJitter) {
  Backoff b(100ms, 1000ms, 1);
  std::vector<long long> bases = {100, 200, 400, 800, 1000, 1000, 1000};
  for (auto base : bases) {
    auto d = b.next().count();
    EXPECT_GE(d, base / 2);
    EXPECT_LE(d, base);
  }
  b.reset();
  auto d = b.next().count();
  EXPECT_GE(d, 50);
  EXPECT_LE(d, 100);
  // Many attempts never overflow or pass the cap.
  for (int i = 0; i < 1000; ++i)
    EXPECT_LE(b.next().count(), 1000);
}

TEST(SimulatorBackoff, JitterSpreadsDevicesAndIsDeterministic) {
  std::set<long long> delays;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Backoff a(1000ms, 30000ms, seed), b(1000ms, 30000ms, seed);
    auto da = a.next();
    EXPECT_EQ(da, b.next());
    delays.insert(da.count());
  }
  EXPECT_GT(delays.size(), 10u);
}

// --- plan and options

TEST(SimulatorPlan, BuildsTheVillage) {
  SimulatorOptions o;
  o.lamps = 7;
  o.alleys = 3;
  o.greenhouses = 2;
  o.udp_share = 0.34;  // one of three light sensors
  auto plan = plan_devices(o);
  std::vector<std::string> ids;
  for (const auto& d : plan)
    ids.push_back(d.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"light-gang-1", "lamp-gang-1-1", "lamp-gang-1-2",
                                           "lamp-gang-1-3", "light-gang-2", "lamp-gang-2-1",
                                           "lamp-gang-2-2", "light-gang-3", "lamp-gang-3-1",
                                           "lamp-gang-3-2", "greenhouse-1", "greenhouse-2"}));
  EXPECT_EQ(plan[0].group, "gang-1");
  EXPECT_EQ(plan[0].kind, DeviceKind::light);
  EXPECT_EQ(plan[1].kind, DeviceKind::lamp);
  EXPECT_EQ(plan[10].group, "greenhouses");
  EXPECT_EQ(plan[10].kind, DeviceKind::greenhouse);
  int udp = 0;
  for (const auto& d : plan) {
    if (d.transport == Transport::udp) {
      ++udp;
      EXPECT_EQ(d.id, "light-gang-3");
    }
  }
  EXPECT_EQ(udp, 1);
  std::set<uint64_t> seeds;
  for (const auto& d : plan)
    seeds.insert(d.seed);
  EXPECT_EQ(seeds.size(), plan.size());

  EXPECT_EQ(hello_line(plan[1], ""), "HELLO lamp-gang-1-1 group=gang-1 kind=lamp");
  EXPECT_EQ(hello_line(plan[11], "s3cret"),
            "HELLO greenhouse-2 s3cret group=greenhouses kind=greenhouse");

  o.id_prefix = "b-";
  o.udp_share = 0;
  auto prefixed = plan_devices(o);
  EXPECT_EQ(prefixed[0].id, "b-light-gang-1");
  EXPECT_EQ(prefixed[0].group, "b-gang-1");
  for (const auto& d : prefixed)
    EXPECT_EQ(d.transport, Transport::tcp);
}

TEST(SimulatorPlan, DefaultsMakeTwelveLampsInThreeAlleys) {
  SimulatorOptions o;
  EXPECT_EQ(validate_options(o), "");
  auto plan = plan_devices(o);
  EXPECT_EQ(plan.size(), 3u + 12u + 2u);
  int udp = 0;
  for (const auto& d : plan)
    udp += d.transport == Transport::udp;
  EXPECT_EQ(udp, 1);  // round(0.25 * 3)
}

// What the simulator sends is what soket's device gateway accepts.
TEST(SimulatorPlan, GatewayAcceptsEveryHelloAndReading) {
  SimulatorOptions o;
  o.token = "s3cret";
  for (const auto& device : plan_devices(o)) {
    auto hello = gateway::parse_device_message(hello_line(device, o.token));
    ASSERT_TRUE(hello.ok()) << hello.error;
    EXPECT_EQ(hello.message.kind, gateway::DeviceMessageKind::hello);
    EXPECT_EQ(hello.message.device_id, device.id);
    EXPECT_EQ(hello.message.token, "s3cret");
    EXPECT_EQ(hello.message.fields.at("group").as_string(), device.group);
    EXPECT_EQ(hello.message.fields.at("kind").as_string(), to_string(device.kind));

    auto model = make_model(device.kind, device.seed);
    for (double hour : {3.0, 12.0, 18.2}) {
      auto line = model->reading(hour);
      auto reading = gateway::parse_device_message(line);
      ASSERT_TRUE(reading.ok()) << line << ": " << reading.error;
      EXPECT_EQ(reading.message.kind, gateway::DeviceMessageKind::readings) << line;
      EXPECT_TRUE(reading.message.fields.empty()) << line;
      for (const auto& r : reading.message.readings)
        EXPECT_EQ(r.value, value_of(line, r.key));
    }
    // The device's answers to commands are replies to the gateway.
    auto ok = gateway::parse_device_message(model->command("led-on").reply);
    EXPECT_EQ(ok.message.kind, gateway::DeviceMessageKind::reply);
    EXPECT_EQ(ok.message.reply_status, gateway::ReplyStatus::ok);
    auto err = gateway::parse_device_message(model->command("dance").reply);
    EXPECT_EQ(err.message.kind, gateway::DeviceMessageKind::reply);
    EXPECT_EQ(err.message.reply_status, gateway::ReplyStatus::err);
  }
}

TEST(SimulatorOptions, RejectsEachBadSetting) {
  auto problem = [](auto change) {
    SimulatorOptions o;
    change(o);
    return validate_options(o);
  };
  EXPECT_EQ(problem([](auto& o) { o.host = ""; }), "host must be 1..253 characters");
  EXPECT_EQ(problem([](auto& o) { o.tcp_port = 0; }), "tcp_port must not be 0");
  EXPECT_EQ(problem([](auto& o) { o.udp_port = 0; }), "udp_port must not be 0");
  EXPECT_EQ(problem([](auto& o) { o.lamps = -1; }), "lamps must be in 0..2000");
  EXPECT_EQ(problem([](auto& o) { o.lamps = 2001; }), "lamps must be in 0..2000");
  EXPECT_EQ(problem([](auto& o) { o.greenhouses = 101; }), "greenhouses must be in 0..100");
  EXPECT_EQ(problem([](auto& o) { o.alleys = 0; }), "alleys must be in 1..100");
  EXPECT_EQ(problem([](auto& o) { o.time_scale = 0; }), "time_scale must be in (0, 86400]");
  EXPECT_EQ(problem([](auto& o) { o.time_scale = std::nan(""); }),
            "time_scale must be in (0, 86400]");
  EXPECT_EQ(problem([](auto& o) { o.start_hour = 24; }), "start_hour must be in [0, 24)");
  EXPECT_EQ(problem([](auto& o) { o.interval = 5ms; }), "interval must be in 20 ms..1 h");
  EXPECT_EQ(problem([](auto& o) { o.udp_share = 1.5; }), "udp_share must be in [0, 1]");
  EXPECT_EQ(problem([](auto& o) { o.udp_share = std::nan(""); }), "udp_share must be in [0, 1]");
  EXPECT_EQ(problem([](auto& o) { o.udp_hello_every = 0; }), "udp_hello_every must be in 1..10000");
  EXPECT_EQ(problem([](auto& o) { o.token = "a b"; }),
            "token must be at most 256 printable ASCII characters without spaces");
  EXPECT_EQ(problem([](auto& o) { o.id_prefix = "a/"; }),
            "id_prefix must be at most 32 characters from A-Z a-z 0-9 _ . : -");
  EXPECT_EQ(problem([](auto& o) { o.id_prefix = "-a"; }),
            "id_prefix must start with a letter or a digit");
  EXPECT_EQ(problem([](auto& o) { o.reply_timeout = 0ms; }),
            "reply_timeout must be in 10 ms..10 min");
  EXPECT_EQ(problem([](auto& o) { o.max_missed_replies = 0; }),
            "max_missed_replies must be in 1..1000");
  EXPECT_EQ(problem([](auto& o) { o.connect_timeout = 11min; }),
            "connect_timeout must be in 10 ms..10 min");
  EXPECT_EQ(problem([](auto& o) { o.backoff_max = 100ms; }),
            "backoff must satisfy 1 ms <= backoff_initial <= backoff_max <= 1 h");
}

}  // namespace
}  // namespace soket::simulator
