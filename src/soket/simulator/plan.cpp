#include "soket/simulator/plan.hpp"

#include <cmath>

namespace soket::simulator {

std::vector<DevicePlan> plan_devices(const SimulatorOptions& o) {
  std::vector<DevicePlan> plan;
  plan.reserve(static_cast<std::size_t>(o.alleys + o.lamps + o.greenhouses));
  auto udp_lights = static_cast<int>(std::lround(o.udp_share * o.alleys));
  auto add = [&](std::string id, DeviceKind kind, std::string group, Transport transport) {
    plan.push_back(
        {o.id_prefix + id, kind, o.id_prefix + group, transport, derive_seed(o.seed, plan.size())});
  };
  for (int alley = 1; alley <= o.alleys; ++alley) {
    std::string name = "gang-" + std::to_string(alley);
    add("light-" + name, DeviceKind::light, name,
        alley > o.alleys - udp_lights ? Transport::udp : Transport::tcp);
    int lamps = o.lamps / o.alleys + (alley <= o.lamps % o.alleys ? 1 : 0);
    for (int n = 1; n <= lamps; ++n) {
      add("lamp-" + name + "-" + std::to_string(n), DeviceKind::lamp, name, Transport::tcp);
    }
  }
  for (int n = 1; n <= o.greenhouses; ++n) {
    add("greenhouse-" + std::to_string(n), DeviceKind::greenhouse, "greenhouses", Transport::tcp);
  }
  return plan;
}

std::string hello_line(const DevicePlan& device, const std::string& token) {
  std::string line = "HELLO " + device.id;
  if (!token.empty()) line += " " + token;
  line += " group=" + device.group + " kind=";
  line += to_string(device.kind);
  return line;
}

}  // namespace soket::simulator
