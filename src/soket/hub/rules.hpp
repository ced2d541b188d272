#pragma once

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
  std::optional<double> value;
};

/// The course's village rules, applied as readings arrive. Each rule remembers which side of its
/// thresholds it is on, so it fires once per crossing, not on every reading.
class RulesEngine {
 public:
  explicit RulesEngine(const HubConfig& config);

  /// True when a rule reads this device's values (on_reading can do something for it).
  bool watches(const std::string& device) const;
  /// Actions for a reading of `device` (its numeric values by key).
  std::vector<RuleAction> on_reading(const std::string& device,
                                     const std::map<std::string, double>& values);

  /// Actions for the clock: call it every so often with the local time of day in minutes.
  /// Schedules fire when the time crosses their on/off minute (once per crossing).
  std::vector<RuleAction> on_clock(int minute_of_day);

 private:
  enum class Side { unknown, low, normal, high };
  struct AlleyState {
    Side lamps = Side::unknown;  // low: lamps on (dark), high: lamps off (light)
    std::optional<bool> scheduled_on;
  };
  struct GreenhouseState {
    Side temp = Side::unknown;
    Side hum = Side::unknown;
  };

  void switch_lamps(const AlleyRule& alley, bool on, const std::string& reason,
                    const std::string& device, std::optional<double> value,
                    std::vector<RuleAction>& out) const;

  const HubConfig& config_;
  std::vector<AlleyState> alleys_;
  std::vector<GreenhouseState> greenhouses_;
};

}  // namespace soket::hub
