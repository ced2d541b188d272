#include "soket/simulator/options.hpp"

#include <algorithm>
#include <cmath>

namespace soket::simulator {

namespace {

using std::chrono::milliseconds;

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':';
}

bool in_range(milliseconds value, milliseconds low, milliseconds high) {
  return value >= low && value <= high;
}

}  // namespace

std::string validate_options(const SimulatorOptions& o) {
  if (o.host.empty() || o.host.size() > 253) return "host must be 1..253 characters";
  if (o.tcp_port == 0) return "tcp_port must not be 0";
  if (o.udp_port == 0) return "udp_port must not be 0";
  if (o.lamps < 0 || o.lamps > 2000) return "lamps must be in 0..2000";
  if (o.greenhouses < 0 || o.greenhouses > 100) return "greenhouses must be in 0..100";
  if (o.alleys < 1 || o.alleys > 100) return "alleys must be in 1..100";
  if (!std::isfinite(o.time_scale) || o.time_scale <= 0 || o.time_scale > 86400) {
    return "time_scale must be in (0, 86400]";
  }
  if (!std::isfinite(o.start_hour) || o.start_hour < 0 || o.start_hour >= 24) {
    return "start_hour must be in [0, 24)";
  }
  if (!in_range(o.interval, milliseconds(20), std::chrono::hours(1))) {
    return "interval must be in 20 ms..1 h";
  }
  if (!(o.udp_share >= 0 && o.udp_share <= 1)) return "udp_share must be in [0, 1]";
  if (o.udp_hello_every < 1 || o.udp_hello_every > 10000) {
    return "udp_hello_every must be in 1..10000";
  }
  if (o.token.size() > 256 ||
      !std::all_of(o.token.begin(), o.token.end(), [](char c) { return c > ' ' && c < 127; })) {
    return "token must be at most 256 printable ASCII characters without spaces";
  }
  if (o.id_prefix.size() > 32 || !std::all_of(o.id_prefix.begin(), o.id_prefix.end(), id_char)) {
    return "id_prefix must be at most 32 characters from A-Z a-z 0-9 _ . : -";
  }
  if (!o.id_prefix.empty() && !std::isalnum(static_cast<unsigned char>(o.id_prefix.front()))) {
    return "id_prefix must start with a letter or a digit";
  }
  if (!in_range(o.reply_timeout, milliseconds(10), std::chrono::minutes(10))) {
    return "reply_timeout must be in 10 ms..10 min";
  }
  if (o.max_missed_replies < 1 || o.max_missed_replies > 1000) {
    return "max_missed_replies must be in 1..1000";
  }
  if (!in_range(o.connect_timeout, milliseconds(10), std::chrono::minutes(10))) {
    return "connect_timeout must be in 10 ms..10 min";
  }
  if (!in_range(o.backoff_initial, milliseconds(1), std::chrono::hours(1)) ||
      !in_range(o.backoff_max, o.backoff_initial, std::chrono::hours(1))) {
    return "backoff must satisfy 1 ms <= backoff_initial <= backoff_max <= 1 h";
  }
  return {};
}

}  // namespace soket::simulator
