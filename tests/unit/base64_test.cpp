#include "soket/util/base64.hpp"

#include <gtest/gtest.h>

namespace soket {
namespace {

TEST(Base64, EncodesWithPadding) {
  EXPECT_EQ(base64::encode(""), "");
  EXPECT_EQ(base64::encode("f"), "Zg==");
  EXPECT_EQ(base64::encode("fo"), "Zm8=");
  EXPECT_EQ(base64::encode("foo"), "Zm9v");
  EXPECT_EQ(base64::encode(std::string("\x01\x02\x03\x04", 4)), "AQIDBA==");
}

TEST(Base64, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  auto decoded = base64::decode(base64::encode(all));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, all);
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(base64::decode("abc"));       // not a multiple of 4
  EXPECT_FALSE(base64::decode("ab!d"));      // outside the alphabet
  EXPECT_FALSE(base64::decode("a==="));      // too much padding
  EXPECT_FALSE(base64::decode("Zg==Zg=="));  // padding before the end
  EXPECT_FALSE(base64::decode("Z=g="));      // data after padding
}

}  // namespace
}  // namespace soket
