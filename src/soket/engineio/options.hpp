#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "soket/http/cors.hpp"

namespace soket::engineio {

/// permessage-deflate (RFC 7692) on the WebSocket transport, as the reference's perMessageDeflate:
/// off by default; the window and context-takeover parameters are agreed as the client offers them.
struct PerMessageDeflateOptions {
  bool enabled = false;
  std::size_t threshold = 1024;  // smaller messages go uncompressed
  /// Always ask for these even when the client does not offer them. Without server context
  /// takeover a broadcast is compressed once for all its receivers of an io thread, and a
  /// connection holds no compressor between messages.
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 15;  // 9..15 (zlib has no raw window of 8)
  int client_max_window_bits = 15;  // 8..15, told to clients that offer the parameter
};

/// gzip / deflate of long-polling responses, as the reference's httpCompression: on by default.
struct HttpCompressionOptions {
  bool enabled = true;
  std::size_t threshold = 1024;  // smaller responses go uncompressed
};

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
  PerMessageDeflateOptions per_message_deflate;
  HttpCompressionOptions http_compression;
};

}  // namespace soket::engineio
