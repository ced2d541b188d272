#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "soket/simulator/models.hpp"
#include "soket/simulator/options.hpp"

namespace soket::simulator {

/// How a virtual device talks to the server.
///
/// `tcp`: a TCP connection (TcpDevice); `udp`: datagrams (UdpDevice; light sensors only).
enum class Transport { tcp, udp };

/// One virtual device of the village.
struct DevicePlan {
  std::string id;  ///< "lamp-gang-1-3", "light-gang-2", "greenhouse-1" (after id_prefix)
  DeviceKind kind = DeviceKind::lamp;  ///< what it simulates
  std::string group;  ///< "gang-1" for an alley's devices, "greenhouses" for greenhouses
  Transport transport = Transport::tcp;  ///< TCP, or UDP for some light sensors (udp_share)
  uint64_t seed = 0;                     ///< this device's own random stream
};

/// The village described by `options` (assumed valid): per alley its light sensor, then its lamps;
/// then the greenhouses. Same options, same list.
std::vector<DevicePlan> plan_devices(const SimulatorOptions& options);

/// `HELLO <id> [token] group=<group> kind=<kind>`, without newline.
std::string hello_line(const DevicePlan& device, const std::string& token);

}  // namespace soket::simulator
