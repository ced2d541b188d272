#include <gtest/gtest.h>

#include "soket/engineio/socket.hpp"
#include "soket/engineio/websocket_transport.hpp"
#include "soket/socketio/client.hpp"
#include "soket/socketio/socket.hpp"

// What an idle connection holds (bench/README.md, "Under 2 KiB per idle connection"): a member
// added to one of these objects, or the handshake's tail padding lost, shows here first. Sizes
// as laid out by GCC and Clang with libstdc++ on x86-64, the platform the figures were measured on.
#if defined(__x86_64__) && defined(__GLIBCXX__)
TEST(ConnectionSize, PerConnectionObjectsStayAsMeasured) {
  EXPECT_LE(sizeof(soket::engineio::Socket), 264u);
  EXPECT_LE(sizeof(soket::engineio::WebSocketTransport), 200u);
  EXPECT_LE(sizeof(soket::socketio::Socket), 168u);
  EXPECT_LE(sizeof(soket::socketio::Client), 104u);
}
#endif
