#include "soket/engineio/websocket_handshake.hpp"

#include <openssl/evp.h>

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

std::string websocket_accept_key(std::string_view key) {
  std::string input;
  input.reserve(key.size() + kGuid.size());
  input.append(key).append(kGuid);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &size, EVP_sha1(), nullptr);
  return base64::encode(std::string_view(reinterpret_cast<const char*>(digest.data()), size));
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
