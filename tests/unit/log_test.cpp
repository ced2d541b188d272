#include "soket/util/log.hpp"

#include <gtest/gtest.h>

namespace {

using soket::log::debug_on;
using soket::log::Layer;

class DebugLayersTest : public ::testing::Test {
 protected:
  void TearDown() override { soket::log::disable_debug(); }
};

TEST_F(DebugLayersTest, OffUntilNamed) {
  EXPECT_FALSE(debug_on(Layer::http));
  EXPECT_FALSE(debug_on(Layer::engineio));
  EXPECT_FALSE(debug_on(Layer::socketio));
  EXPECT_FALSE(debug_on(Layer::cluster));
}

TEST_F(DebugLayersTest, TurnsOnTheNamedLayersOnly) {
  ASSERT_TRUE(soket::log::enable_debug(" engineio , cluster"));
  EXPECT_TRUE(debug_on(Layer::engineio));
  EXPECT_TRUE(debug_on(Layer::cluster));
  EXPECT_FALSE(debug_on(Layer::http));
  EXPECT_FALSE(debug_on(Layer::socketio));
}

TEST_F(DebugLayersTest, StarAndAllNameEveryLayer) {
  for (const char* spec : {"*", "all"}) {
    soket::log::disable_debug();
    ASSERT_TRUE(soket::log::enable_debug(spec));
    for (auto layer : {Layer::http, Layer::engineio, Layer::socketio, Layer::cluster})
      EXPECT_TRUE(debug_on(layer)) << spec << " " << soket::log::layer_name(layer);
  }
}

TEST_F(DebugLayersTest, AnUnknownNameChangesNothing) {
  EXPECT_FALSE(soket::log::enable_debug("socketio,engine.io"));
  EXPECT_FALSE(debug_on(Layer::socketio));
  EXPECT_FALSE(soket::log::enable_debug("SOCKETIO"));
  EXPECT_FALSE(debug_on(Layer::socketio));
}

TEST_F(DebugLayersTest, AnEmptySpecChangesNothing) {
  ASSERT_TRUE(soket::log::enable_debug("http"));
  EXPECT_TRUE(soket::log::enable_debug(""));
  EXPECT_TRUE(soket::log::enable_debug(",,"));
  EXPECT_TRUE(debug_on(Layer::http));
  EXPECT_FALSE(debug_on(Layer::engineio));
}

}  // namespace
