#include "soket/hub/rules.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
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

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// "21:30" in local time, for an override's end in an alert.
std::string clock_text(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm local{};
  localtime_r(&t, &local);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", local.tm_hour, local.tm_min);
  return buffer;
}

bool lists_lamp(const AlleyRule& alley, const std::string& device, const std::string& group) {
  if (device == alley.light_sensor) return false;
  if (!alley.group.empty() && alley.group == group) return true;
  return std::find(alley.lamps.begin(), alley.lamps.end(), device) != alley.lamps.end();
}

}  // namespace

RulesEngine::RulesEngine(const HubConfig& config)
    : config_(config), alleys_(config.alleys.size()), greenhouses_(config.greenhouses.size()) {}

void RulesEngine::switch_lamps(std::size_t index, bool on, const std::string& reason,
                               const std::string& device, std::optional<double> value,
                               std::vector<RuleAction>& out) {
  const AlleyRule& alley = config_.alleys[index];
  auto& state = alleys_[index];
  std::string note = reason;
  if (state.overridden) note += "; the manual off ends";
  state.rule_on = on;
  state.overridden = false;  // a crossing ends a manual override
  state.override_until.reset();
  std::string rule = "alley:" + alley.name;
  out.push_back({rule, "", &alley, on ? alley.on_command : alley.off_command, "", device, value});
  out.push_back({rule, "", nullptr, "",
                 alley.name + ": lamps " + (on ? "on" : "off") + " (" + note + ")", device, value});
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
  return on_reading(device, values, now_ms());
}

std::vector<RuleAction> RulesEngine::on_reading(const std::string& device,
                                                const std::map<std::string, double>& values,
                                                int64_t now) {
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
      switch_lamps(i, true, "light " + format_value(v) + " < " + format_value(alley.on_below),
                   device, v, out);
    } else if (v > alley.off_above && state != Side::high) {
      state = Side::high;
      switch_lamps(i, false, "light " + format_value(v) + " > " + format_value(alley.off_above),
                   device, v, out);
    }
  }
  for (std::size_t i = 0; i < config_.greenhouses.size(); ++i) {
    const auto& gh = config_.greenhouses[i];
    if (gh.device != device) continue;
    std::string rule = "greenhouse:" + gh.name;
    int64_t min_switch_ms = std::chrono::milliseconds(gh.min_switch_time).count();
    auto check = [&](const char* key, const char* label, const std::optional<Range>& range,
                     Switched& state, const std::string& on_high, const std::string& on_low,
                     const std::string& on_normal) {
      auto it = values.find(key);
      if (!range || it == values.end()) return;
      double v = it->second;
      Side side = v > range->max ? Side::high : v < range->min ? Side::low : Side::normal;
      // Coming back needs a margin inside the range (see GreenhouseRule::hysteresis).
      if (state.side == Side::high && side == Side::normal && v > range->max - gh.hysteresis)
        return;
      if (state.side == Side::low && side == Side::normal && v < range->min + gh.hysteresis) return;
      if (side == state.side) return;
      // Switched not long ago: the fan or pump stays as it is a little longer (the next reading
      // after min_switch_time decides), so it does not flap and the episode stays one alert.
      if (state.side != Side::unknown && now - state.since < min_switch_ms) return;
      Side before = std::exchange(state.side, side);
      // Starting inside the range switched nothing: no minimum time to keep.
      state.since = before == Side::unknown && side == Side::normal ? 0 : now;
      if (before == Side::unknown) state.sent = on_normal;  // taken to be off at the start
      std::string text = gh.name + ": " + label + " " + format_value(v);
      if (side == Side::high) text += " above " + format_value(range->max);
      if (side == Side::low) text += " below " + format_value(range->min);
      if (side == Side::normal) {
        if (before == Side::unknown) return;  // starting inside the range is not news
        text += " back within " + format_value(range->min) + "–" + format_value(range->max);
      }
      out.push_back({rule, "", nullptr, "", text, device, v});
      // A side without a command of its own (too cold, too humid) wants the fan or pump as in
      // the normal state: a fan on in the heat goes off when it turns straight to cold. Only a
      // change is sent (no pump-off for a pump that was never on).
      const std::string& own = side == Side::high  ? on_high
                               : side == Side::low ? on_low
                                                   : on_normal;
      const std::string& wanted = own.empty() ? on_normal : own;
      if (wanted.empty() || wanted == state.sent) return;
      state.sent = wanted;
      out.push_back({rule, gh.device, nullptr, wanted, "", device, v});
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
    switch_lamps(i, on, "schedule", "", std::nullopt, out);
  }
  return out;
}

std::vector<RuleAction> RulesEngine::on_lamp_online(const std::string& device,
                                                    const std::string& group) const {
  std::vector<RuleAction> out;
  for (std::size_t i = 0; i < config_.alleys.size(); ++i) {
    const auto& alley = config_.alleys[i];
    const auto& state = alleys_[i];
    if (!state.rule_on || !lists_lamp(alley, device, group)) continue;
    out.push_back({"alley:" + alley.name, device, nullptr,
                   state.held_on() ? alley.on_command : alley.off_command, "", device,
                   std::nullopt});
  }
  return out;
}

std::vector<RuleAction> RulesEngine::manual_lamps_off(int64_t now) {
  std::vector<RuleAction> out;
  for (std::size_t i = 0; i < config_.alleys.size(); ++i) {
    const auto& alley = config_.alleys[i];
    auto& state = alleys_[i];
    std::string rule = "alley:" + alley.name;
    out.push_back({rule, "", &alley, alley.off_command, "", "", std::nullopt});
    if (!state.rule_on.value_or(false)) continue;  // the rule has them off anyway
    state.overridden = true;
    state.override_until.reset();
    std::string until = "until the next crossing";
    if (config_.override_duration.count() > 0) {
      state.override_until = now + std::chrono::milliseconds(config_.override_duration).count();
      until += " or " + clock_text(*state.override_until);
    }
    out.push_back({rule, "", nullptr, "", alley.name + ": lamps off by hand (" + until + ")", "",
                   std::nullopt});
  }
  return out;
}

std::vector<RuleAction> RulesEngine::on_tick(int64_t now) {
  std::vector<RuleAction> out;
  for (std::size_t i = 0; i < config_.alleys.size(); ++i) {
    const auto& alley = config_.alleys[i];
    auto& state = alleys_[i];
    if (!state.overridden || !state.override_until || *state.override_until > now) continue;
    state.overridden = false;
    state.override_until.reset();
    std::string rule = "alley:" + alley.name;
    bool on = state.rule_on.value_or(false);
    out.push_back(
        {rule, "", &alley, on ? alley.on_command : alley.off_command, "", "", std::nullopt});
    out.push_back({rule, "", nullptr, "",
                   alley.name + ": the manual off ended; lamps " + (on ? "on" : "off") + " again",
                   "", std::nullopt});
  }
  return out;
}

std::optional<int64_t> RulesEngine::next_override_end() const {
  std::optional<int64_t> next;
  for (const auto& state : alleys_)
    if (state.overridden && state.override_until && (!next || *state.override_until < *next))
      next = state.override_until;
  return next;
}

std::vector<AlleyStatus> RulesEngine::alleys() const {
  std::vector<AlleyStatus> out;
  for (std::size_t i = 0; i < config_.alleys.size(); ++i) {
    const auto& state = alleys_[i];
    AlleyStatus status{.name = config_.alleys[i].name,
                       .lamps_on = std::nullopt,
                       .overridden = state.overridden,
                       .override_until = state.override_until};
    if (state.rule_on) status.lamps_on = state.held_on();
    out.push_back(std::move(status));
  }
  return out;
}

}  // namespace soket::hub
