#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "soket/util/interned_name.hpp"

using soket::InternedName;

TEST(InternedName, EqualNamesShareOneRecord) {
  InternedName a("interned-test-message");
  InternedName b(std::string("interned-test-") + "message");
  EXPECT_EQ(a.view(), "interned-test-message");
  EXPECT_TRUE(a.shared());
  EXPECT_EQ(a.view().data(), b.view().data());
  EXPECT_TRUE(a == "interned-test-message");
  EXPECT_FALSE(a == "interned-test-messag");
  EXPECT_EQ(sizeof(InternedName), sizeof(void*));
}

TEST(InternedName, KeepsAnyBytesAndTheEmptyName) {
  InternedName empty("");
  EXPECT_EQ(empty.view(), "");
  InternedName nul(std::string("a\0b", 3));
  EXPECT_EQ(nul.view(), std::string("a\0b", 3));
}

TEST(InternedName, LongNamesAreOwnCopies) {
  std::string long_name(InternedName::kMaxSharedSize + 1, 'x');
  InternedName a(long_name);
  InternedName b(long_name);
  EXPECT_FALSE(a.shared());
  EXPECT_NE(a.view().data(), b.view().data());
  EXPECT_EQ(a.view(), long_name);
  InternedName copy = a;
  EXPECT_EQ(copy.view(), long_name);
  InternedName moved = std::move(b);
  EXPECT_EQ(moved.view(), long_name);
  moved = copy;
  EXPECT_EQ(moved.view(), long_name);
}

// Past kMaxShared distinct names the table stops growing: later names are copies of their own, so
// names made up at run time cannot grow the process without end.
TEST(InternedName, TheSharedTableIsBounded) {
  std::vector<InternedName> names;
  for (std::size_t i = 0; i < InternedName::kMaxShared + 10; ++i)
    names.emplace_back("interned-test-bounded-" + std::to_string(i));
  EXPECT_FALSE(names.back().shared());
  EXPECT_EQ(names.back().view(),
            "interned-test-bounded-" + std::to_string(InternedName::kMaxShared + 9));
  for (std::size_t i = 0; i < names.size(); ++i)
    ASSERT_EQ(names[i].view(), "interned-test-bounded-" + std::to_string(i));
}

TEST(InternedName, ThreadsMakeTheSameNames) {
  std::vector<std::thread> threads;
  std::vector<const char*> seen(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&seen, t] {
      for (int i = 0; i < 1000; ++i) {
        InternedName name("interned-test-threads");
        seen[static_cast<std::size_t>(t)] = name.view().data();
      }
    });
  for (auto& thread : threads)
    thread.join();
  for (auto* data : seen)
    EXPECT_EQ(data, seen[0]);
}

TEST(InternedName, CopiesShareASharedNameAndCopyAnOwnOne) {
  InternedName shared("interned-test-copy");
  InternedName shared_copy = shared;
  EXPECT_EQ(shared_copy.view().data(), shared.view().data());
  InternedName own(std::string(InternedName::kMaxSharedSize + 5, 'y'));
  InternedName own_copy = own;
  EXPECT_FALSE(own_copy.shared());
  EXPECT_NE(own_copy.view().data(), own.view().data());
  EXPECT_EQ(own_copy.view(), own.view());
}
