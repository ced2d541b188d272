#include "soket/simulator/models.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "soket/simulator/curves.hpp"

namespace soket::simulator {

namespace {

constexpr std::size_t kMaxEchoedCommand = 64;

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && blank(s.back()))
    s.remove_suffix(1);
  return s;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

// Sets `flag` for an `<name>-on` / `<name>-off` command; false when `cmd` is neither.
bool switch_command(std::string_view cmd, std::string_view name, bool& flag, bool& changed) {
  if (cmd.size() <= name.size() || !equals_ignore_case(cmd.substr(0, name.size()), name)) {
    return false;
  }
  std::string_view rest = cmd.substr(name.size());
  bool value;
  if (equals_ignore_case(rest, "-on")) {
    value = true;
  } else if (equals_ignore_case(rest, "-off")) {
    value = false;
  } else {
    return false;
  }
  changed = flag != value;
  flag = value;
  return true;
}

CommandOutcome known(bool changed) {
  return {true, changed, "OK"};
}

CommandOutcome unknown(std::string_view cmd) {
  std::string reply = "ERR unknown command";
  if (cmd.empty()) return {false, false, reply};
  reply += ": ";
  for (char c : cmd.substr(0, kMaxEchoedCommand))
    reply += (c >= ' ' && c < 127) ? c : '?';
  return {false, false, reply};
}

void append_number(std::string& out, double value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, 1);
  if (ec == std::errc()) out.append(buf, end);
}

}  // namespace

std::string_view to_string(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::lamp:
      return "lamp";
    case DeviceKind::light:
      return "light";
    case DeviceKind::greenhouse:
      return "greenhouse";
  }
  return "sensor";
}

// --- LampModel

std::string LampModel::reading(double) {
  return on_ ? "lamp=1" : "lamp=0";
}

CommandOutcome LampModel::command(std::string_view line) {
  auto cmd = trim(line);
  bool changed = false;
  if (switch_command(cmd, "lamp", on_, changed) || switch_command(cmd, "led", on_, changed)) {
    return known(changed);
  }
  return unknown(cmd);
}

// --- LightSensorModel

LightSensorModel::LightSensorModel(uint64_t seed)
    : random_(seed), shade_(random_.uniform(0.6, 1)) {}

std::string LightSensorModel::reading(double sim_hours) {
  clouds_ = std::clamp(clouds_ + random_.normal(0, 0.03), 0.5, 1.0);
  double lux = daylight_lux(sim_hours) * shade_ * clouds_ * (1 + random_.normal(0, 0.02));
  std::string out = "light=";
  append_number(out, std::max(0.0, lux));
  return out;
}

CommandOutcome LightSensorModel::command(std::string_view line) {
  auto cmd = trim(line);
  bool changed = false;
  if (switch_command(cmd, "led", led_, changed)) return known(false);
  return unknown(cmd);
}

// --- GreenhouseModel

GreenhouseModel::GreenhouseModel(uint64_t seed) : random_(seed), offset_(random_.uniform(-1, 1)) {}

std::string GreenhouseModel::reading(double sim_hours) {
  double target_temp = greenhouse_temperature(sim_hours) + offset_;
  double target_hum = greenhouse_humidity(sim_hours);
  if (fan_) {
    target_temp -= 6;
    target_hum -= 10;
  }
  if (pump_) {
    target_temp -= 1.5;
    target_hum += 15;
  }
  if (!temp_ || !hum_) {
    temp_ = target_temp;
    hum_ = target_hum;
  } else {
    constexpr double kTimeConstantMinutes = 15;
    double minutes = std::max(0.0, sim_hours - last_hours_) * 60;
    double pull = 1 - std::exp(-minutes / kTimeConstantMinutes);
    *temp_ += (target_temp - *temp_) * pull;
    *hum_ += (target_hum - *hum_) * pull;
  }
  last_hours_ = std::max(last_hours_, sim_hours);
  double temp = *temp_ + random_.normal(0, 0.1);
  double hum = std::clamp(*hum_ + random_.normal(0, 0.4), 5.0, 100.0);

  std::string out = "temp=";
  append_number(out, temp);
  out += " hum=";
  append_number(out, hum);
  out += fan_ ? " fan=1" : " fan=0";
  out += pump_ ? " pump=1" : " pump=0";
  return out;
}

CommandOutcome GreenhouseModel::command(std::string_view line) {
  auto cmd = trim(line);
  bool changed = false;
  if (switch_command(cmd, "fan", fan_, changed) || switch_command(cmd, "pump", pump_, changed)) {
    return known(changed);
  }
  if (switch_command(cmd, "led", led_, changed)) return known(false);
  return unknown(cmd);
}

std::unique_ptr<DeviceModel> make_model(DeviceKind kind, uint64_t seed) {
  switch (kind) {
    case DeviceKind::lamp:
      return std::make_unique<LampModel>();
    case DeviceKind::light:
      return std::make_unique<LightSensorModel>(seed);
    case DeviceKind::greenhouse:
      return std::make_unique<GreenhouseModel>(seed);
  }
  return nullptr;
}

}  // namespace soket::simulator
