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
