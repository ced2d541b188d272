#include "soket/engineio/websocket_handshake.hpp"

#include <gtest/gtest.h>

using namespace soket;
using namespace soket::engineio;

namespace {

http::Request upgrade_request(std::string_view key, std::string_view version = "13") {
  http::Request req{boost::beast::http::verb::get, "/engine.io/?EIO=4&transport=websocket", 11};
  req.set(boost::beast::http::field::host, "localhost");
  req.set(boost::beast::http::field::connection, "Upgrade");
  req.set(boost::beast::http::field::upgrade, "websocket");
  if (!key.empty()) req.set(boost::beast::http::field::sec_websocket_key, key);
  if (!version.empty()) req.set(boost::beast::http::field::sec_websocket_version, version);
  return req;
}

}  // namespace

TEST(WebSocketHandshake, AcceptKeyIsTheOneOfRfc6455) {
  // RFC 6455 §1.3's example.
  EXPECT_EQ(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketHandshake, AValidRequestHasNoError) {
  EXPECT_FALSE(websocket_upgrade_error(upgrade_request("dGhlIHNhbXBsZSBub25jZQ==")));
}

TEST(WebSocketHandshake, RefusesAMissingOrMalformedKey) {
  EXPECT_EQ(websocket_upgrade_error(upgrade_request("")), "missing Sec-WebSocket-Key");
  for (std::string_view key : {"abc", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ===",
                               "dGhlIHNhbXBsZSBub25j!Q==", "dGhlIHNhbXBsZSBub25jZXM="}) {
    EXPECT_EQ(websocket_upgrade_error(upgrade_request(key)), "malformed Sec-WebSocket-Key") << key;
  }
}

TEST(WebSocketHandshake, RefusesAnyVersionButThirteen) {
  for (std::string_view version : {"", "8", "12", "14", "13, 8"}) {
    auto error = websocket_upgrade_error(upgrade_request("dGhlIHNhbXBsZSBub25jZQ==", version));
    ASSERT_TRUE(error) << version;
    EXPECT_NE(error->find("Sec-WebSocket-Version"), std::string_view::npos);
  }
}

TEST(WebSocketHandshake, ResponseCarriesTheAcceptKeyExtraHeadersAndExtensions) {
  auto req = upgrade_request("dGhlIHNhbXBsZSBub25jZQ==");
  http::HeaderList extra{{"Set-Cookie", "io=abc; Path=/"}, {"X-Bad", "a\r\nInjected: yes"}};
  auto response = websocket_upgrade_response(req, extra, "permessage-deflate");
  EXPECT_EQ(response.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
  EXPECT_NE(response.find("\r\nUpgrade: websocket\r\n"), std::string::npos);
  EXPECT_NE(response.find("\r\nConnection: Upgrade\r\n"), std::string::npos);
  EXPECT_NE(response.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            std::string::npos);
  EXPECT_NE(response.find("\r\nSet-Cookie: io=abc; Path=/\r\n"), std::string::npos);
  EXPECT_EQ(response.find("Injected"), std::string::npos);  // a header with CR/LF is left out
  EXPECT_NE(response.find("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"),
            std::string::npos);
  EXPECT_EQ(response.substr(response.size() - 4), "\r\n\r\n");
  EXPECT_EQ(websocket_upgrade_response(req, {}, "").find("Sec-WebSocket-Extensions"),
            std::string::npos);
}
