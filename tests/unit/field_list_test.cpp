#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "soket/util/field_list.hpp"

using soket::FieldList;

TEST(FieldList, KeepsOrderRepeatsAndAnyBytes) {
  FieldList list;
  EXPECT_TRUE(list.empty());
  list.add("host", "127.0.0.1:3000");
  list.add("cookie", "a=1");
  list.add("cookie", "b=2");
  list.add("empty", "");
  list.add(std::string("nul\0name", 8), std::string("v\0v", 3));
  list.shrink_to_fit();
  EXPECT_EQ(list.size(), 5u);
  EXPECT_EQ(list.get("cookie"), "a=1");  // the first one
  EXPECT_EQ(list.get("empty"), "");
  EXPECT_FALSE(list.get("missing").has_value());
  EXPECT_EQ(list.get(std::string("nul\0name", 8)), std::string("v\0v", 3));
  std::vector<std::string> seen;
  for (auto [name, value] : list)
    seen.push_back(std::string(name) + "=" + std::string(value));
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0], "host=127.0.0.1:3000");
  EXPECT_EQ(seen[2], "cookie=b=2");
}

TEST(FieldList, CopiesAndMovesKeepEveryField) {
  FieldList list;
  for (int i = 0; i < 50; ++i)  // grows its storage several times
    list.add("name" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'x'));
  FieldList copy = list;
  list.shrink_to_fit();
  EXPECT_EQ(copy.size(), 50u);
  EXPECT_EQ(copy.get("name49"), std::string(49, 'x'));
  EXPECT_EQ(list.get("name0"), "");
  FieldList moved = std::move(copy);
  EXPECT_EQ(moved.size(), 50u);
  EXPECT_EQ(moved.get("name17"), std::string(17, 'x'));
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from list is empty
  EXPECT_EQ(copy.begin(), copy.end());
  copy = moved;
  EXPECT_EQ(copy.get("name25"), std::string(25, 'x'));
  FieldList empty;
  copy = empty;
  EXPECT_TRUE(copy.empty());
  EXPECT_FALSE(copy.get("name1").has_value());
}

TEST(FieldList, ReserveThenAddKeepsEveryField) {
  FieldList list;
  list.reserve(2, 9);  // "a" "1", "host" "x:80"
  list.add("a", "1");
  list.add("host", "x:80");
  list.add("beyond", "the reserve");  // grows past it
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list.get("host"), "x:80");
  EXPECT_EQ(list.get("beyond"), "the reserve");
}
