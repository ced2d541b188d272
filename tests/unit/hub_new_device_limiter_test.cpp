#include <gtest/gtest.h>

#include "soket/hub/new_device_limiter.hpp"

using soket::hub::NewDeviceLimiter;
using Verdict = NewDeviceLimiter::Verdict;
using namespace std::chrono_literals;

TEST(NewDeviceLimiter, BurstThenRatePerAddress) {
  NewDeviceLimiter limiter(0, 60, 3);  // one a second after three at once
  auto t = NewDeviceLimiter::Clock::now();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(limiter.allow("10.0.0.1", 0, t), Verdict::allowed);
  EXPECT_EQ(limiter.allow("10.0.0.1", 0, t), Verdict::too_fast);
  EXPECT_EQ(limiter.allow("10.0.0.2", 0, t), Verdict::allowed);  // its own bucket
  EXPECT_EQ(limiter.allow("10.0.0.1", 0, t + 500ms), Verdict::too_fast);
  EXPECT_EQ(limiter.allow("10.0.0.1", 0, t + 1100ms), Verdict::allowed);
  EXPECT_EQ(limiter.allow("10.0.0.1", 0, t + 1200ms), Verdict::too_fast);
  EXPECT_EQ(limiter.refused(), 3u);
}

TEST(NewDeviceLimiter, TotalCapComesFirst) {
  NewDeviceLimiter limiter(5, 0, 0);  // no rate, at most 5 devices
  EXPECT_EQ(limiter.allow("a", 4), Verdict::allowed);
  EXPECT_EQ(limiter.allow("a", 5), Verdict::too_many_devices);
  EXPECT_EQ(limiter.refused(), 1u);
}

TEST(NewDeviceLimiter, AddressTableStaysBounded) {
  NewDeviceLimiter limiter(0, 60, 1, 2);  // two addresses remembered at most
  auto t = NewDeviceLimiter::Clock::now();
  EXPECT_EQ(limiter.allow("a", 0, t), Verdict::allowed);
  EXPECT_EQ(limiter.allow("b", 0, t), Verdict::allowed);
  // Both still refilling: a third address is refused rather than growing the table.
  EXPECT_EQ(limiter.allow("c", 0, t), Verdict::too_fast);
  // Once their buckets are full again they are forgotten and make room.
  EXPECT_EQ(limiter.allow("c", 0, t + 2s), Verdict::allowed);
  EXPECT_EQ(limiter.allow("d", 0, t + 2s), Verdict::allowed);
}
