#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "soket/http/cors.hpp"

namespace soket::engineio {

/// Engine.IO server settings; names and defaults follow the reference server.
struct ServerOptions {
  std::string path = "/engine.io/";
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds upgrade_timeout{10000};
  /// How long a closing long-polling session waits for the client's next GET to hand over what was
  /// still queued (the final packets and the close packet).
  std::chrono::milliseconds polling_close_timeout{10000};
  std::size_t max_payload = 1'000'000;  // maxHttpBufferSize: largest message or POST body
  bool allow_polling = true;
  bool allow_websocket = true;
  bool allow_upgrades = true;
  /// allowEIO3: also serve Engine.IO v3 clients (EIO=3; socket.io 2.x clients and the ESP8266/ESP32
  /// Socket.IO libraries). Off: they get the 400 "Unsupported protocol version".
  bool allow_eio3 = false;
  http::CorsOptions cors;
  /// Bytes queued for one client before it is disconnected as too slow to keep up.
  std::size_t max_buffered_bytes = 16 * 1024 * 1024;
};

}  // namespace soket::engineio
