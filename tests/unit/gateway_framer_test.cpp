#include "soket/gateway/line_framer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace soket::gateway {
namespace {

// Collects what a LineFramer emits; "!overflow" marks an over-long message.
struct Collector {
  std::vector<std::pair<std::string, LineEnd>> lines;
  LineFramer framer;
  explicit Collector(std::size_t max) : framer(max) {}

  void feed(std::string_view data) {
    framer.feed(
        data,
        [this](std::string_view text, LineEnd end) {
          lines.emplace_back(std::string(text), end);
          return true;
        },
        [this] {
          lines.emplace_back("!overflow", LineEnd::lf);
          return true;
        });
  }
  void flush() {
    framer.flush([this](std::string_view text, LineEnd end) {
      lines.emplace_back(std::string(text), end);
      return true;
    });
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& [text, end] : lines)
      out.push_back(text);
    return out;
  }
};

TEST(GatewayFramer, SplitsAtNewlineAndStripsCarriageReturn) {
  Collector c(100);
  c.feed("a=1\nb=2\r\nc");
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0], std::make_pair(std::string("a=1"), LineEnd::lf));
  EXPECT_EQ(c.lines[1], std::make_pair(std::string("b=2"), LineEnd::crlf));
  EXPECT_TRUE(c.framer.pending());
  c.feed("=3\n");
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"a=1", "b=2", "c=3"}));
  EXPECT_FALSE(c.framer.pending());
}

TEST(GatewayFramer, FlushEndsAMessageWithoutNewline) {
  Collector c(100);
  c.feed("Hai from ");
  c.feed("ESP8266");
  EXPECT_TRUE(c.lines.empty());
  c.flush();
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0], std::make_pair(std::string("Hai from ESP8266"), LineEnd::idle));
  c.flush();  // nothing pending: nothing emitted
  EXPECT_EQ(c.lines.size(), 1u);
}

TEST(GatewayFramer, FlushDropsATrailingCarriageReturn) {
  Collector c(100);
  c.feed("temp=1\r");
  c.flush();
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"temp=1"}));
}

TEST(GatewayFramer, CrLfSplitAcrossFeeds) {
  Collector c(100);
  c.feed("x=1\r");
  c.feed("\ny=2\n");
  EXPECT_EQ(c.lines[0], std::make_pair(std::string("x=1"), LineEnd::crlf));
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"x=1", "y=2"}));
}

TEST(GatewayFramer, EmptyLinesAreEmitted) {
  Collector c(100);
  c.feed("\n\r\n");
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"", ""}));
}

TEST(GatewayFramer, LineOfExactlyMaxLengthIsAccepted) {
  Collector c(8);
  c.feed("12345678\r");
  c.feed("\n12345678\n");
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"12345678", "12345678"}));
}

TEST(GatewayFramer, OverLongLineIsReportedOnceAndDiscardedUpToNewline) {
  Collector c(8);
  c.feed("123456789");  // over the limit before any newline: reported at once
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"!overflow"}));
  EXPECT_TRUE(c.framer.pending());
  c.feed(std::string(10000, 'x'));  // still discarded, nothing buffered, reported once
  c.feed("tail\nok=1\n");
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"!overflow", "ok=1"}));
}

TEST(GatewayFramer, OverLongLineInOneFeedIsReported) {
  Collector c(4);
  c.feed("123456\nab\n");
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"!overflow", "ab"}));
}

TEST(GatewayFramer, FlushEndsDiscarding) {
  Collector c(4);
  c.feed("123456");
  c.flush();  // the over-long message ended at an idle gap
  c.feed("ab");
  c.flush();
  EXPECT_EQ(c.texts(), (std::vector<std::string>{"!overflow", "ab"}));
}

TEST(GatewayFramer, StopsWhenTheHandlerSaysSo) {
  LineFramer framer(100);
  std::vector<std::string> seen;
  framer.feed(
      "a\nb\nc\n",
      [&](std::string_view text, LineEnd) {
        seen.emplace_back(text);
        return false;
      },
      [] { return true; });
  EXPECT_EQ(seen, (std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace soket::gateway
