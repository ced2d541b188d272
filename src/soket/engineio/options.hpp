#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "soket/engineio/cookie.hpp"
#include "soket/engineio/hooks.hpp"
#include "soket/http/cors.hpp"

namespace soket::engineio {

/// permessage-deflate (RFC 7692) on the WebSocket transport, as the reference's perMessageDeflate:
/// off by default; the window and context-takeover parameters are agreed as the client offers them.
struct PerMessageDeflateOptions {
  /// Whether permessage-deflate is offered (off by default, as in Node).
  bool enabled = false;
  std::size_t threshold = 1024;  ///< smaller messages go uncompressed
  /// Always ask for these even when the client does not offer them. Without server context
  /// takeover a broadcast is compressed once for all its receivers of an io thread, and a
  /// connection holds no compressor between messages.
  bool server_no_context_takeover = false;
  /// Ask the client to reset its compressor after each message.
  bool client_no_context_takeover = false;
  int server_max_window_bits = 15;  ///< 9..15 (zlib has no raw window of 8)
  int client_max_window_bits = 15;  ///< 8..15, told to clients that offer the parameter
};

/// gzip / deflate of long-polling responses, as the reference's httpCompression: on by default.
struct HttpCompressionOptions {
  /// Whether polling responses are gzip/deflate-compressed (on by default, as in Node).
  bool enabled = true;
  std::size_t threshold = 1024;  ///< smaller responses go uncompressed
};

/// Engine.IO server settings; names and defaults follow the reference server.
struct ServerOptions {
  /// The URL path Engine.IO answers on.
  std::string path = "/engine.io/";
  /// Node's addTrailingSlash: true serves `path` with its trailing slash only ("/engine.io/?...");
  /// false also serves it without ("/engine.io?..."), as clients with addTrailingSlash: false ask.
  bool add_trailing_slash = true;
  /// How often the server pings (pingInterval).
  std::chrono::milliseconds ping_interval{25000};
  /// How long it waits for the pong (pingTimeout).
  std::chrono::milliseconds ping_timeout{20000};
  /// How long a transport upgrade may take (upgradeTimeout).
  std::chrono::milliseconds upgrade_timeout{10000};
  /// How long a closing long-polling session waits for the client's next GET to hand over what was
  /// still queued (the final packets and the close packet).
  std::chrono::milliseconds polling_close_timeout{10000};
  std::size_t max_payload = 1'000'000;  ///< maxHttpBufferSize: largest message or POST body
  /// The transports clients may use, in any order: "polling", "websocket" (Node's `transports`).
  /// A request for another one gets 400 {"code":0,"message":"Transport unknown"}. The server
  /// throws std::invalid_argument for an empty list or an unknown name.
  std::vector<std::string> transports = {"polling", "websocket"};
  /// Whether polling clients may upgrade to WebSocket (allowUpgrades).
  bool allow_upgrades = true;
  /// allowEIO3: also serve Engine.IO v3 clients (EIO=3; socket.io 2.x clients and the ESP8266/ESP32
  /// Socket.IO libraries). Off: they get the 400 "Unsupported protocol version".
  bool allow_eio3 = false;
  /// Cross-origin settings (Node's cors option).
  http::CorsOptions cors;
  /// Bytes queued for one client before it is disconnected as too slow to keep up.
  std::size_t max_buffered_bytes = 16 * 1024 * 1024;
  /// Node's `cookie`: set the session id as a cookie on the polling handshake response. Off by
  /// default; CookieOptions{} gives the reference's defaults (io, Path=/, HttpOnly, SameSite=Lax).
  std::optional<CookieOptions> cookie;
  /// Node's initialPacket: a message sent to every new session right after its open packet.
  std::optional<std::string> initial_packet;
  /// Node's allowRequest (see hooks.hpp); empty: every handshake is allowed.
  AllowRequest allow_request;
  /// Node's generateId (see hooks.hpp); empty: 20 random URL-safe characters.
  GenerateId generate_id;
  /// WebSocket compression (perMessageDeflate).
  PerMessageDeflateOptions per_message_deflate;
  /// Polling response compression (httpCompression).
  HttpCompressionOptions http_compression;
};

}  // namespace soket::engineio
