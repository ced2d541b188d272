#pragma once

#include <chrono>

namespace soket::simulator {

// The village's day, near the equator: the sun rises at 06:00 and sets at 18:00.

/// Simulated hours since midnight of the first day, `real_elapsed` after starting at `start_hour`
/// with `time_scale` simulated seconds per real second. Grows without wrapping (day 2 is 24..48).
double simulated_hours(double start_hour, double time_scale,
                       std::chrono::steady_clock::duration real_elapsed);

/// The hour of day in [0, 24) of a simulated_hours() value.
double hour_of_day(double sim_hours);

/// Outdoor illuminance in lux on a clear day at `hour` (any value, taken modulo 24): about 30 000
/// at noon, 400 at sunrise and sunset, falling through twilight to 1 lux of night. It drops below
/// 50 lux at about 18:10 and rises above it at about 05:50.
double daylight_lux(double hour);

/// A greenhouse's temperature (°C) with no fan or pump running: 22 at 02:00, 34 at 14:00.
double greenhouse_temperature(double hour);

/// A greenhouse's relative humidity (%) with no fan or pump running: 90 at 02:00, 60 at 14:00.
double greenhouse_humidity(double hour);

}  // namespace soket::simulator
