#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "soket/simulator/random.hpp"

namespace soket::simulator {

/// The kinds of virtual device, as their HELLO's `kind=` names them.
///
/// `lamp`: a street lamp (LampModel); `light`: an alley's light sensor (LightSensorModel);
/// `greenhouse`: a greenhouse's climate controller (GreenhouseModel).
enum class DeviceKind { lamp, light, greenhouse };

/// The kind's name: "lamp", "light" or "greenhouse".
std::string_view to_string(DeviceKind kind);

/// What a device does with a command line.
struct CommandOutcome {
  bool known = false;          ///< the command is one this device understands
  bool state_changed = false;  ///< a reported value changed: worth a reading right away
  /// The answer line: "OK", or "ERR unknown command: <command>".
  std::string reply;
};

/// The behaviour of one virtual device, without any I/O: what it reads and how it reacts to
/// commands. Commands are matched without regard to case or surrounding blanks, like the course
/// sketch's `line.equalsIgnoreCase("led-on")`.
class DeviceModel {
 public:
  virtual ~DeviceModel() = default;
  /// Which kind of device this is.
  virtual DeviceKind kind() const = 0;
  /// The reading line (without newline) at simulated time `sim_hours` (see simulated_hours()).
  /// Calls are expected with non-decreasing times; an earlier time counts as no time passing.
  virtual std::string reading(double sim_hours) = 0;
  /// Applies the command `line` and says whether it was understood, what changed and the reply.
  virtual CommandOutcome command(std::string_view line) = 0;
};

/// A street lamp: `lamp=1|0`. `lamp-on`/`led-on` switch it on, `lamp-off`/`led-off` off (the
/// course's lamp is an LED).
class LampModel final : public DeviceModel {
 public:
  DeviceKind kind() const override { return DeviceKind::lamp; }
  std::string reading(double sim_hours) override;
  CommandOutcome command(std::string_view line) override;
  /// Whether the lamp is on.
  bool on() const { return on_; }

 private:
  bool on_ = false;
};

/// An alley's light sensor: `light=<lux>` following daylight_lux(), dimmed by the sensor's fixed
/// shade (0.6..1), slowly drifting clouds and ±2% noise. `led-on`/`led-off` drive its status LED.
class LightSensorModel final : public DeviceModel {
 public:
  /// A sensor whose shade and clouds are drawn from `seed`.
  explicit LightSensorModel(uint64_t seed);
  DeviceKind kind() const override { return DeviceKind::light; }
  std::string reading(double sim_hours) override;
  CommandOutcome command(std::string_view line) override;
  /// Whether its status LED is on.
  bool led() const { return led_; }

 private:
  SimRandom random_;
  double shade_;
  double clouds_ = 1.0;  ///< 0.5..1, a random walk
  bool led_ = false;
};

/// A greenhouse: `temp=<°C> hum=<%> fan=0|1 pump=0|1`. The climate follows greenhouse_temperature()
/// and greenhouse_humidity() (shifted by a fixed per-greenhouse offset) with noise; it moves
/// towards its target with a 15 simulated-minute time constant. A running fan lowers the target
/// by 6 °C and 10 % humidity; a running pump (misting) lowers it by 1.5 °C and raises humidity by
/// 15 %. Commands: `fan-on`, `fan-off`, `pump-on`, `pump-off`, `led-on`, `led-off`.
class GreenhouseModel final : public DeviceModel {
 public:
  /// A greenhouse whose offset and noise are drawn from `seed`.
  explicit GreenhouseModel(uint64_t seed);
  DeviceKind kind() const override { return DeviceKind::greenhouse; }
  std::string reading(double sim_hours) override;
  CommandOutcome command(std::string_view line) override;

  /// Whether the fan runs.
  bool fan() const { return fan_; }
  /// Whether the pump runs.
  bool pump() const { return pump_; }
  /// The climate as of the last reading() (nullopt before the first).
  std::optional<double> temperature() const { return temp_; }
  /// The humidity (%) as of the last reading() (nullopt before the first).
  std::optional<double> humidity() const { return hum_; }

 private:
  SimRandom random_;
  double offset_;  ///< this greenhouse's temperature offset, -1..1 °C
  bool fan_ = false;
  bool pump_ = false;
  bool led_ = false;
  std::optional<double> temp_;
  std::optional<double> hum_;
  double last_hours_ = 0;
};

/// A new device model of `kind`, its randomness drawn from `seed` (lamps use none).
std::unique_ptr<DeviceModel> make_model(DeviceKind kind, uint64_t seed);

}  // namespace soket::simulator
