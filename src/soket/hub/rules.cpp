#include "soket/hub/rules.hpp"

#include <cstdio>
#include <utility>

namespace soket::hub {
namespace {

std::string format_value(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

/// Within a schedule window [on, off) that may wrap past midnight.
bool in_window(int minute, int on, int off) {
  return on <= off ? (minute >= on && minute < off) : (minute >= on || minute < off);
}

}  // namespace

RulesEngine::RulesEngine(const HubConfig& config)
    : config_(config), alleys_(config.alleys.size()), greenhouses_(config.greenhouses.size()) {}

void RulesEngine::switch_lamps(const AlleyRule& alley, bool on, const std::string& reason,
                               const std::string& device, std::optional<double> value,
                               std::vector<RuleAction>& out) const {
  std::string rule = "alley:" + alley.name;
  out.push_back({rule, "", &alley, on ? alley.on_command : alley.off_command, "", device, value});
  out.push_back({rule, "", nullptr, "",
                 alley.name + ": lamps " + (on ? "on" : "off") + " (" + reason + ")", device,
                 value});
}

bool RulesEngine::watches(const std::string& device) const {
  for (const auto& alley : config_.alleys)
    if (alley.light_sensor == device) return true;
  for (const auto& gh : config_.greenhouses)
    if (gh.device == device) return true;
  return false;
}

std::vector<RuleAction> RulesEngine::on_reading(const std::string& device,
                                                const std::map<std::string, double>& values) {
  std::vector<RuleAction> out;
  for (std::size_t i = 0; i < config_.alleys.size(); ++i) {
    const auto& alley = config_.alleys[i];
    if (alley.light_sensor != device) continue;
    auto light = values.find("light");
    if (light == values.end()) continue;
    double v = light->second;
    auto& state = alleys_[i].lamps;
    if (v < alley.on_below && state != Side::low) {
      state = Side::low;
      switch_lamps(alley, true, "light " + format_value(v) + " < " + format_value(alley.on_below),
                   device, v, out);
    } else if (v > alley.off_above && state != Side::high) {
      state = Side::high;
      switch_lamps(alley, false, "light " + format_value(v) + " > " + format_value(alley.off_above),
                   device, v, out);
    }
  }
  for (std::size_t i = 0; i < config_.greenhouses.size(); ++i) {
    const auto& gh = config_.greenhouses[i];
    if (gh.device != device) continue;
    std::string rule = "greenhouse:" + gh.name;
    auto check = [&](const char* key, const char* label, const std::optional<Range>& range,
                     Side& state, const std::string& on_high, const std::string& on_low,
                     const std::string& on_normal) {
      auto it = values.find(key);
      if (!range || it == values.end()) return;
      double v = it->second;
      Side side = v > range->max ? Side::high : v < range->min ? Side::low : Side::normal;
      // Coming back needs a margin inside the range (see GreenhouseRule::hysteresis).
      if (state == Side::high && side == Side::normal && v > range->max - gh.hysteresis) return;
      if (state == Side::low && side == Side::normal && v < range->min + gh.hysteresis) return;
      if (side == state) return;
      Side before = std::exchange(state, side);
      std::string text = gh.name + ": " + label + " " + format_value(v);
      if (side == Side::high) text += " above " + format_value(range->max);
      if (side == Side::low) text += " below " + format_value(range->min);
      if (side == Side::normal) {
        if (before == Side::unknown) return;  // starting inside the range is not news
        text += " back within " + format_value(range->min) + "–" + format_value(range->max);
      }
      out.push_back({rule, "", nullptr, "", text, device, v});
      const std::string& command = side == Side::high  ? on_high
                                   : side == Side::low ? on_low
                                                       : on_normal;
      if (!command.empty()) out.push_back({rule, gh.device, nullptr, command, "", device, v});
    };
    check("temp", "temperature", gh.temp, greenhouses_[i].temp, gh.on_temp_high, "",
          gh.on_temp_normal);
    check("hum", "humidity", gh.hum, greenhouses_[i].hum, "", gh.on_hum_low, gh.on_hum_normal);
  }
  return out;
}

std::vector<RuleAction> RulesEngine::on_clock(int minute_of_day) {
  std::vector<RuleAction> out;
  for (std::size_t i = 0; i < config_.alleys.size(); ++i) {
    const auto& alley = config_.alleys[i];
    if (!alley.schedule_on_minute || !alley.schedule_off_minute) continue;
    bool on = in_window(minute_of_day, *alley.schedule_on_minute, *alley.schedule_off_minute);
    auto& state = alleys_[i].scheduled_on;
    if (state && *state == on) continue;
    state = on;
    switch_lamps(alley, on, "schedule", "", std::nullopt, out);
  }
  return out;
}

}  // namespace soket::hub
