#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace soket::simulator {

/// What `soket simulate` starts: a village of virtual ESP8266 devices.
///
/// Devices (see plan_devices()): per alley `gang-<k>` (k = 1..alleys) one light sensor
/// `light-gang-<k>` and its share of the lamps `lamp-gang-<k>-<n>` (lamps are spread evenly, the
/// first alleys get one more when they do not divide); greenhouses `greenhouse-<n>` in group
/// `greenhouses`. `id_prefix` is put in front of every id and group.
struct SimulatorOptions {
  /// Server address: a numeric IPv4/IPv6 address, "localhost" or a host name (resolved once, by
  /// start()).
  std::string host = "127.0.0.1";
  uint16_t tcp_port = 2004;  ///< the device line server
  uint16_t udp_port = 2004;  ///< the UDP receiver

  int lamps = 12;       ///< 0..2000 lamps in total
  int greenhouses = 2;  ///< 0..100
  int alleys = 3;       ///< 1..100; each has one light sensor

  /// Simulated seconds per real second: a simulated day lasts 24 h / time_scale (12 min at 120).
  /// (0, 86400].
  double time_scale = 120;
  /// Simulated hour of day at start(), [0, 24). 17:00 makes dusk come soon after starting.
  double start_hour = 17.0;
  /// Time between two readings of a device (each device jitters it by up to ±10%). [20 ms, 1 h].
  std::chrono::milliseconds interval{2000};

  /// Share of the light sensors that send over UDP instead of TCP, [0, 1]: round(udp_share *
  /// alleys) of them, the last alleys first. Only light sensors: the others take commands, which
  /// need the TCP connection.
  double udp_share = 0.25;
  /// UDP devices wait for the server's `OK` datagram (true) or fire and forget (false).
  bool udp_wait_ok = true;
  /// Fire-and-forget UDP devices repeat their HELLO every this many datagrams (a restarted server
  /// learns their name again). [1, 10000].
  int udp_hello_every = 10;

  /// Sent in every HELLO when not empty (the hub's device token). No spaces.
  std::string token;
  /// Prepended to every device id and group, e.g. "b-" to run a second village on one server.
  std::string id_prefix;

  /// Seeds every random choice (noise, jitter, phases): same seed, same village.
  uint64_t seed = 1;

  /// How long a device waits for `OK` to its HELLO or a reading. [10 ms, 10 min].
  std::chrono::milliseconds reply_timeout{5000};
  /// A TCP device drops its connection (and reconnects) after this many replies in a row did not
  /// come. [1, 1000].
  int max_missed_replies = 3;
  /// Limit for establishing a TCP connection. [10 ms, 10 min].
  std::chrono::milliseconds connect_timeout{5000};
  /// Reconnect backoff: starts at backoff_initial, doubles per failed attempt up to backoff_max,
  /// each delay drawn from [delay/2, delay]. 1 ms <= initial <= max <= 1 h.
  std::chrono::milliseconds backoff_initial{500};
  /// The longest reconnect delay (see backoff_initial).
  std::chrono::milliseconds backoff_max{30000};

  /// Answer every command with `OK` (or `ERR unknown command`), as soket expects. false: stay
  /// silent like the course's sketch, which only acts on the line.
  bool reply_to_commands = true;
};

/// Empty when the options are usable, else the first problem ("lamps must be in 0..2000").
std::string validate_options(const SimulatorOptions& options);

}  // namespace soket::simulator
