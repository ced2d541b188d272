#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "soket/hub/config.hpp"

namespace soket::hub {

/// Something a rule wants done: send a command, and/or raise an alert.
struct RuleAction {
  std::string rule;                  ///< e.g. "alley:Gang Mawar", "greenhouse:GH 1"
  std::string to;                    ///< command target (a device id); empty for an alert only
  const AlleyRule* alley = nullptr;  ///< set instead of `to` for an alley's lamps
  std::string command;               ///< empty for an alert only
  std::string alert;                 ///< empty for a command only
  std::string device;                ///< the device whose reading triggered it
  std::optional<double> value;       ///< the reading's value that triggered it, if any
};

/// An alley as the dashboard shows it: what its lamps should be, and a manual override.
struct AlleyStatus {
  std::string name;              ///< the alley's name ([[village.alleys]] name)
  std::optional<bool> lamps_on;  ///< nullopt: not known yet (no reading since the hub started)
  bool overridden = false;       ///< "All off" by hand while the rule keeps the lamps on
  std::optional<int64_t> override_until;  ///< ms since the epoch; nullopt: until the next crossing
};

/// The course's village rules, applied as readings arrive. Each rule remembers which side of its
/// thresholds it is on, so it fires once per crossing, not on every reading, and holds the state
/// it set: a lamp that (re)connects gets its alley's state (on_lamp_online), a manual "All off"
/// at night holds until the next crossing or [rules] override_duration (manual_lamps_off).
class RulesEngine {
 public:
  /// The rules of `config` (alleys, greenhouses, override_duration), each on the unknown side.
  explicit RulesEngine(const HubConfig& config);

  /// True when a rule reads this device's values (on_reading can do something for it).
  bool watches(const std::string& device) const;
  /// Actions for a reading of `device` (its numeric values by key), read now.
  std::vector<RuleAction> on_reading(const std::string& device,
                                     const std::map<std::string, double>& values);
  /// The same for a reading taken at `now_ms` (ms since the epoch): greenhouses keep a fan or
  /// pump switched for at least min_switch_time.
  std::vector<RuleAction> on_reading(const std::string& device,
                                     const std::map<std::string, double>& values, int64_t now_ms);

  /// Commands that put a lamp that just connected into its alley's current state: one per alley
  /// that lists it (by id or `group`) and whose state is known.
  std::vector<RuleAction> on_lamp_online(const std::string& device, const std::string& group) const;

  /// "All off" by hand: the off command for every alley's lamps. An alley whose rule keeps its
  /// lamps on is overridden until its next crossing or override_duration after `now_ms`.
  std::vector<RuleAction> manual_lamps_off(int64_t now_ms);
  /// Overrides whose time is up at `now_ms` end: their lamps go back to the rule's state.
  std::vector<RuleAction> on_tick(int64_t now_ms);
  /// When the next override ends (ms since the epoch), if one has an end.
  std::optional<int64_t> next_override_end() const;

  /// Every alley with its lamps' state, in the order of the configuration.
  std::vector<AlleyStatus> alleys() const;

  /// Actions for the clock: call it every so often with the local time of day in minutes.
  /// Schedules fire when the time crosses their on/off minute (once per crossing).
  std::vector<RuleAction> on_clock(int minute_of_day);

 private:
  enum class Side { unknown, low, normal, high };
  struct AlleyState {
    Side lamps = Side::unknown;  // low: lamps on (dark), high: lamps off (light)
    std::optional<bool> scheduled_on;
    std::optional<bool> rule_on;  // what the rule last switched the lamps to
    bool overridden = false;      // held off by hand while rule_on
    std::optional<int64_t> override_until;
    bool held_on() const { return rule_on.value_or(false) && !overridden; }
  };
  struct Switched {
    Side side = Side::unknown;
    int64_t since = 0;  // ms: when the rule last switched this side
    std::string sent;   // the fan's or pump's command the rule last sent (off at the start)
  };
  struct GreenhouseState {
    Switched temp;
    Switched hum;
  };

  void switch_lamps(std::size_t alley, bool on, const std::string& reason,
                    const std::string& device, std::optional<double> value,
                    std::vector<RuleAction>& out);

  const HubConfig& config_;
  std::vector<AlleyState> alleys_;
  std::vector<GreenhouseState> greenhouses_;
};

}  // namespace soket::hub
