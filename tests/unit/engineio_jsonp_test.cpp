#include "soket/engineio/jsonp.hpp"

#include <gtest/gtest.h>

namespace soket::engineio {
namespace {

TEST(EngineIoJsonp, IndexKeepsOnlyDigits) {
  EXPECT_EQ(jsonp_index("12"), "12");
  EXPECT_EQ(jsonp_index("a1);alert(2"), "12");
  EXPECT_EQ(jsonp_index(""), "");
}

TEST(EngineIoJsonp, WrapsThePayloadAsAJavaScriptString) {
  EXPECT_EQ(jsonp_wrap("0",
                       "4hi\x1e"
                       "4\"q\"\n"),
            R"(___eio[0]("4hi\u001e4\"q\"\n");)");
  // U+2028 and U+2029 are escaped.
  EXPECT_EQ(jsonp_wrap("3", "4a\u2028b\u2029"), R"(___eio[3]("4a\u2028b\u2029");)");
}

TEST(EngineIoJsonp, ReadsTheDFieldOfThePostForm) {
  EXPECT_EQ(jsonp_post_payload("d=4hello%1E4w%C3%B6rld"),
            "4hello\x1e"
            "4w\xc3\xb6rld");
  EXPECT_EQ(jsonp_post_payload("x=1&d=4a+b"), "4a b");
  EXPECT_FALSE(jsonp_post_payload("x=1"));
  EXPECT_FALSE(jsonp_post_payload(""));
}

TEST(EngineIoJsonp, RestoresEscapedNewlines) {
  // "\n" (backslash n) is a newline; "\\n" (backslash backslash n) is a backslash and an n.
  EXPECT_EQ(jsonp_post_payload("d=4a%5Cnb"), "4a\nb");
  EXPECT_EQ(jsonp_post_payload("d=4c%5C%5Cnd"), "4c\\nd");
}

}  // namespace
}  // namespace soket::engineio
