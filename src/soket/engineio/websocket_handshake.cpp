#include "soket/engineio/websocket_handshake.hpp"

#include <boost/beast/core/detail/sha1.hpp>

#include <array>

#include "soket/util/base64.hpp"

namespace soket::engineio {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// A header's value; names and values of a response must not carry CR or LF.
bool safe_header_text(std::string_view text) {
  return text.find_first_of("\r\n") == std::string_view::npos;
}

}  // namespace

std::optional<std::string_view> websocket_upgrade_error(const http::Request& request) {
  auto version = request.find(boost::beast::http::field::sec_websocket_version);
  if (version == request.end() || version->value() != "13")
    return "missing or unsupported Sec-WebSocket-Version (13 is spoken)";
  auto key = request.find(boost::beast::http::field::sec_websocket_key);
  if (key == request.end()) return "missing Sec-WebSocket-Key";
  // Base64 of 16 random bytes: 22 characters and "==".
  auto decoded = key->value().size() == 24 ? base64::decode(key->value()) : std::nullopt;
  if (!decoded || decoded->size() != 16) return "malformed Sec-WebSocket-Key";
  return std::nullopt;
}

// Beast's own SHA-1, the one its WebSocket accept uses: OpenSSL's EVP_Digest would load and
// register OpenSSL's providers on the first handshake of a server that needs no TLS (2 MB of
// libcrypto paged in, some 60 KB of tables, milliseconds), and costs a fetch per call after that.
std::string websocket_accept_key(std::string_view key) {
  namespace sha1 = boost::beast::detail;
  sha1::sha1_context context;
  sha1::init(context);
  sha1::update(context, key.data(), key.size());
  sha1::update(context, kGuid.data(), kGuid.size());
  std::array<char, sha1::sha1_context::digest_size> digest{};
  sha1::finish(context, digest.data());
  return base64::encode(std::string_view(digest.data(), digest.size()));
}

std::string websocket_upgrade_response(const http::Request& request,
                                       const http::HeaderList& extra_headers,
                                       std::string_view extensions) {
  std::string out;
  out.reserve(160);
  out.append(
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ");
  out.append(websocket_accept_key(request[boost::beast::http::field::sec_websocket_key]));
  out.append("\r\nServer: soket\r\n");
  for (const auto& [name, value] : extra_headers) {
    if (!safe_header_text(name) || !safe_header_text(value)) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!extensions.empty() && safe_header_text(extensions))
    out.append("Sec-WebSocket-Extensions: ").append(extensions).append("\r\n");
  out.append("\r\n");
  return out;
}

}  // namespace soket::engineio
