#include <gtest/gtest.h>

#include "soket/http/header_list.hpp"

using soket::http::parse_header_list;

TEST(HttpHeaderList, ElementsWithParameters) {
  auto list = parse_header_list(
      " permessage-deflate; client_max_window_bits; server_max_window_bits=\"10\" ,, x-y ;a = b, "
      "z");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "permessage-deflate");
  ASSERT_EQ((*list)[0].params.size(), 2u);
  EXPECT_EQ((*list)[0].params[0].first, "client_max_window_bits");
  EXPECT_EQ((*list)[0].params[0].second, "");
  EXPECT_EQ((*list)[0].params[1].first, "server_max_window_bits");
  EXPECT_EQ((*list)[0].params[1].second, "10");
  EXPECT_EQ((*list)[1].name, "x-y");
  ASSERT_EQ((*list)[1].params.size(), 1u);
  EXPECT_EQ((*list)[1].params[0].second, "b");
  // The last element has no parameters of its own (Beast 1.81's ext_list gives it those of "x-y").
  EXPECT_EQ((*list)[2].name, "z");
  EXPECT_TRUE((*list)[2].params.empty());
  EXPECT_TRUE(parse_header_list("")->empty());
  auto quoted = parse_header_list("a; q=\"x, \\\"y\\\"\", b");
  ASSERT_TRUE(quoted);
  ASSERT_EQ(quoted->size(), 2u);
  EXPECT_EQ((*quoted)[0].params[0].second, "x, \\\"y\\\"");
}

TEST(HttpHeaderList, RefusesWhatIsNotOfTheGrammar) {
  for (const char* bad : {"a;", "a; =1", "a; b=", "a b", "a; b=\"open", "(x)", "a; b=c d"})
    EXPECT_FALSE(parse_header_list(bad)) << bad;
}
