#include "soket/simulator/curves.hpp"

#include <cmath>
#include <numbers>

namespace soket::simulator {

namespace {

constexpr double kPi = std::numbers::pi;

// Like the sine of the sun's elevation: 1 at noon, 0 at 06:00 and 18:00, -1 at midnight.
double sun_height(double hour) {
  return std::sin(kPi * (hour_of_day(hour) - 6.0) / 12.0);
}

// 1 at 14:00 (the warmest hour), -1 at 02:00.
double afternoon_peak(double hour) {
  return std::cos(2.0 * kPi * (hour_of_day(hour) - 14.0) / 24.0);
}

}  // namespace

double simulated_hours(double start_hour, double time_scale,
                       std::chrono::steady_clock::duration real_elapsed) {
  double seconds = std::chrono::duration<double>(real_elapsed).count();
  return start_hour + seconds * time_scale / 3600.0;
}

double hour_of_day(double sim_hours) {
  double h = std::fmod(sim_hours, 24.0);
  return h < 0 ? h + 24.0 : h;
}

double daylight_lux(double hour) {
  constexpr double kSunsetLux = 400;
  constexpr double kNoonLux = 30000;
  constexpr double kNightLux = 1;
  // Twilight: from sunset light down to night light within ~25 minutes after sunset.
  constexpr double kTwilightSteepness = 49;
  double h = sun_height(hour);
  if (h >= 0) return kSunsetLux + (kNoonLux - kSunsetLux) * h;
  return kNightLux + (kSunsetLux - kNightLux) * std::exp(kTwilightSteepness * h);
}

double greenhouse_temperature(double hour) {
  return 28.0 + 6.0 * afternoon_peak(hour);
}

double greenhouse_humidity(double hour) {
  return 75.0 - 15.0 * afternoon_peak(hour);
}

}  // namespace soket::simulator
