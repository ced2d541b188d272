// The building blocks of the limits against abuse (docs/limits.md): the token bucket, the bounded
// table of buckets, the UDP sender limiter, the log throttle, the connection limiter, and the
// [limits] settings of soket.toml / --limit.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "soket/gateway/udp_sender_limiter.hpp"
#include "soket/hub/config.hpp"
#include "soket/net/connection_limiter.hpp"
#include "soket/util/log_throttle.hpp"
#include "soket/util/token_bucket.hpp"
#include "soket/util/token_buckets.hpp"

namespace soket {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// How many of `tries` calls of `take` succeeded.
template <class Take>
int taken(int tries, Take&& take) {
  int count = 0;
  for (int i = 0; i < tries; ++i)
    count += take() ? 1 : 0;
  return count;
}

TEST(TokenBucket, LetsTheBurstThroughThenTheRate) {
  TokenBucket bucket(10, 5);  // 10 a second, 5 at once
  ASSERT_TRUE(bucket.enabled());
  auto t = Clock::time_point{} + 1h;
  EXPECT_EQ(taken(20, [&] { return bucket.take(t); }), 5);
  EXPECT_FALSE(bucket.take(t + 50ms));  // half a token
  EXPECT_TRUE(bucket.take(t + 100ms));  // one token refilled (and the half spent above kept)
  EXPECT_FALSE(bucket.take(t + 100ms));
  // A long pause refills to the burst, not beyond.
  EXPECT_EQ(taken(20, [&] { return bucket.take(t + 1h); }), 5);
}

TEST(TokenBucket, OffWhenTheRateIsZeroAndTheBurstDefaultsToTheRate) {
  EXPECT_FALSE(TokenBucket().enabled());
  EXPECT_FALSE(TokenBucket(0, 10).enabled());
  TokenBucket bucket(3, 0);
  auto t = Clock::time_point{} + 1h;
  EXPECT_EQ(taken(10, [&] { return bucket.take(t); }), 3);
}

TEST(TokenBuckets, EachKeyHasItsBurstThenTheRate) {
  TokenBuckets buckets(2, 3);  // 2 a second, 3 at once
  ASSERT_TRUE(buckets.enabled());
  auto t = Clock::time_point{} + 1h;
  EXPECT_EQ(taken(10, [&] { return buckets.take("a", t); }), 3);
  EXPECT_TRUE(buckets.take("b", t));           // its own bucket
  EXPECT_FALSE(buckets.take("a", t + 400ms));  // 0.8 of a token
  EXPECT_TRUE(buckets.take("a", t + 600ms));   // 1.2: one spent, 0.2 kept
  EXPECT_FALSE(buckets.take("a", t + 600ms));
  // A long pause refills to the burst, not beyond.
  EXPECT_EQ(taken(10, [&] { return buckets.take("a", t + 1h); }), 3);
  EXPECT_EQ(buckets.size(), 2u);
}

TEST(TokenBuckets, OffWhenTheRateIsZero) {
  TokenBuckets buckets(0, 5);
  EXPECT_FALSE(buckets.enabled());
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(buckets.take("k" + std::to_string(i)));
  EXPECT_EQ(buckets.size(), 0u);  // remembers nothing
}

TEST(TokenBuckets, TheTableStaysBoundedAndForgetsFullBuckets) {
  TokenBuckets buckets(1, 2, 3);  // 1 a second, 2 at once, 3 keys at most
  auto t = Clock::time_point{} + 1h;
  for (const char* key : {"a", "b", "c"})
    EXPECT_TRUE(buckets.take(key, t));
  // Full of keys still limited: a new key is refused and not remembered, however many come.
  for (int i = 0; i < 1000; ++i)
    EXPECT_FALSE(buckets.take("new" + std::to_string(i), t + 500ms));
  EXPECT_EQ(buckets.size(), 3u);
  // The known keys keep their buckets meanwhile.
  EXPECT_TRUE(buckets.take("a", t + 500ms));  // 1.5 tokens: one spent, 0.5 left
  // At t + 1s "b" and "c" are full again (forgotten: a new key gets a full bucket anyway), "a" is
  // not: it stays and its bucket is kept.
  EXPECT_TRUE(buckets.take("d", t + 1s));
  EXPECT_EQ(buckets.size(), 2u);
  EXPECT_TRUE(buckets.take("e", t + 1s));
  EXPECT_FALSE(buckets.take("f", t + 1s));  // a, d, e: none of them full
  EXPECT_TRUE(buckets.take("a", t + 1s));   // 1.0 token: its bucket was not forgotten
  EXPECT_FALSE(buckets.take("a", t + 1s));
}

TEST(TokenBuckets, ANewKeyFindsRoomAsSoonAsABucketIsFull) {
  TokenBuckets buckets(10, 1, 2);  // a bucket is full 100 ms after its last token
  auto t = Clock::time_point{} + 1h;
  EXPECT_TRUE(buckets.take("a", t));
  EXPECT_TRUE(buckets.take("b", t + 50ms));
  EXPECT_FALSE(buckets.take("c", t + 60ms));  // both refilling: a is full at 100 ms, b at 150
  EXPECT_FALSE(buckets.take("c", t + 99ms));
  EXPECT_TRUE(buckets.take("c", t + 101ms));  // a forgotten
  EXPECT_FALSE(buckets.take("d", t + 120ms));
  EXPECT_TRUE(buckets.take("d", t + 151ms));  // b forgotten
}

TEST(UdpSenderLimiter, EachSenderHasABucketAndHearsAtMostOnceASecond) {
  using Verdict = gateway::UdpSenderLimiter::Verdict;
  gateway::UdpSenderLimiter limiter(5, 5);
  ASSERT_TRUE(limiter.enabled());
  auto a = net::udp::endpoint(net::asio::ip::make_address("127.0.0.1"), 4000);
  auto b = net::udp::endpoint(net::asio::ip::make_address("127.0.0.1"), 4001);
  auto v6 = net::udp::endpoint(net::asio::ip::make_address("::1"), 4000);
  auto t = Clock::time_point{} + 1h;
  // A flood of 100 a second for 3 s: the burst and 5 a second pass, the sender is told 3 times.
  int allowed = 0, told = 0;
  for (int i = 0; i < 300; ++i) {
    auto verdict = limiter.check(a, t + 10ms * i);
    allowed += verdict == Verdict::allowed ? 1 : 0;
    told += verdict == Verdict::drop_and_tell ? 1 : 0;
  }
  EXPECT_GE(allowed, 19);
  EXPECT_LE(allowed, 20);
  EXPECT_EQ(told, 3);
  // Other ports and addresses are other senders.
  EXPECT_EQ(limiter.check(b, t), Verdict::allowed);
  EXPECT_EQ(limiter.check(v6, t), Verdict::allowed);
  EXPECT_EQ(limiter.senders(), 3u);
  // After a pause the burst passes again, and the next one over it is told at once.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(limiter.check(a, t + 10s), Verdict::allowed);
  EXPECT_EQ(limiter.check(a, t + 10s), Verdict::drop_and_tell);
  EXPECT_EQ(limiter.check(a, t + 10s), Verdict::drop);
}

TEST(UdpSenderLimiter, OffByDefaultAndTheBurstDefaultsToTheRate) {
  auto a = net::udp::endpoint(net::asio::ip::make_address("10.0.0.1"), 5000);
  gateway::UdpSenderLimiter off(0, 0);
  EXPECT_FALSE(off.enabled());
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(off.check(a), gateway::UdpSenderLimiter::Verdict::allowed);
  EXPECT_EQ(off.senders(), 0u);
  gateway::UdpSenderLimiter limiter(3, 0);  // burst 3, as TokenBucket(3, 0)
  auto t = Clock::time_point{} + 1h;
  EXPECT_EQ(
      taken(10, [&] { return limiter.check(a, t) == gateway::UdpSenderLimiter::Verdict::allowed; }),
      3);
}

TEST(UdpSenderLimiter, ANewSenderIsLimitedWhileTheTableIsFullOfLimitedOnes) {
  using Verdict = gateway::UdpSenderLimiter::Verdict;
  gateway::UdpSenderLimiter limiter(1, 1, 2);
  auto t = Clock::time_point{} + 1h;
  auto sender = [](uint16_t port) {
    return net::udp::endpoint(net::asio::ip::make_address("192.0.2.7"), port);
  };
  EXPECT_EQ(limiter.check(sender(1), t), Verdict::allowed);
  EXPECT_EQ(limiter.check(sender(2), t), Verdict::allowed);
  EXPECT_NE(limiter.check(sender(3), t), Verdict::allowed);
  EXPECT_EQ(limiter.senders(), 2u);
  EXPECT_EQ(limiter.check(sender(3), t + 1s), Verdict::allowed);
}

TEST(LogThrottle, OneLinePerIntervalCountingWhatItStandsFor) {
  LogThrottle throttle(10s);
  auto t = Clock::time_point{} + 1h;
  EXPECT_EQ(throttle.ready(t), 1u);  // the first one is written at once
  for (int i = 0; i < 99; ++i)
    EXPECT_EQ(throttle.ready(t + 1s), 0u);
  EXPECT_EQ(throttle.ready(t + 10s), 100u);  // 99 held back and this one
  EXPECT_EQ(throttle.ready(t + 11s), 0u);
}

TEST(ConnectionLimiter, RefusesPastTheLimitPerAddressAndFreesAPlaceWithItsLease) {
  net::ConnectionLimiter limiter("test", {.max_total = 0, .max_per_address = 2});
  auto a = net::asio::ip::make_address("192.0.2.1");
  auto b = net::asio::ip::make_address("192.0.2.2");
  auto first = limiter.admit(a);
  auto second = limiter.admit(a);
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  auto third = limiter.admit(a);
  EXPECT_FALSE(third);
  EXPECT_EQ(third.refusal, net::Refusal::per_address);
  EXPECT_TRUE(limiter.admit(b)) << "another address is not affected";
  EXPECT_EQ(limiter.open_from(a), 2u);
  // The lease may be copied (a WebSocket keeps its HTTP connection's place): the last copy frees
  // it.
  auto copy = first.lease;
  first.lease.reset();
  EXPECT_FALSE(limiter.admit(a));
  copy.reset();
  EXPECT_EQ(limiter.open_from(a), 1u);
  EXPECT_TRUE(limiter.admit(a));  // (and its lease goes at once)
  EXPECT_EQ(limiter.stats().refused_per_address, 2u);
  EXPECT_EQ(limiter.stats().refused_total, 0u);
}

TEST(ConnectionLimiter, RefusesPastTheTotalAndCountsMappedAddressesAsIpv4) {
  net::ConnectionLimiter limiter("test", {.max_total = 2, .max_per_address = 1});
  auto v4 = net::asio::ip::make_address("127.0.0.1");
  auto mapped = net::asio::ip::make_address("::ffff:127.0.0.1");
  auto one = limiter.admit(v4);
  ASSERT_TRUE(one);
  auto again = limiter.admit(mapped);
  EXPECT_EQ(again.refusal, net::Refusal::per_address);
  auto two = limiter.admit(net::asio::ip::make_address("::1"));
  ASSERT_TRUE(two);
  auto three = limiter.admit(net::asio::ip::make_address("10.0.0.1"));
  EXPECT_EQ(three.refusal, net::Refusal::total);
  EXPECT_EQ(limiter.open(), 2u);
  EXPECT_EQ(limiter.stats().refused_total, 1u);
}

TEST(ConnectionLimiter, WithoutLimitsAdmitsEveryoneWithoutALease) {
  net::ConnectionLimiter limiter("test");
  for (int i = 0; i < 1000; ++i) {
    auto admission = limiter.admit(net::asio::ip::make_address("127.0.0.1"));
    ASSERT_TRUE(admission);
    EXPECT_EQ(admission.lease, nullptr);
  }
}

TEST(HubLimitsConfig, DefaultsAreSetAndTheFileAndFlagsChangeThem) {
  hub::HubConfig config;
  EXPECT_EQ(config.limits.http_max_connections_per_address, 500);
  EXPECT_EQ(config.limits.header_timeout, 10s);
  EXPECT_EQ(config.limits.events_per_second, 0);
  hub::load_config_text(R"toml(
[limits.http]
max_connections = 100
max_connections_per_address = 0
header_timeout = 2.5
events_per_second = 20
event_burst = 40
[limits.devices]
max_connections_per_address = 7
lines_per_second = 5
[limits.chat]
name_timeout = 30
)toml",
                        config);
  EXPECT_EQ(config.limits.http_max_connections, 100);
  EXPECT_EQ(config.limits.http_max_connections_per_address, 0);
  EXPECT_EQ(config.limits.header_timeout, 2500ms);
  EXPECT_EQ(config.limits.events_per_second, 20);
  EXPECT_EQ(config.limits.event_burst, 40);
  EXPECT_EQ(config.limits.device_max_connections_per_address, 7);
  EXPECT_EQ(config.limits.device_lines_per_second, 5);
  EXPECT_EQ(config.limits.chat_name_timeout, 30s);
  hub::apply_limit_flag("chat.max_connections_per_address=3", config);
  hub::apply_limit_flag("http.header_timeout=1", config);
  EXPECT_EQ(config.limits.chat_max_connections_per_address, 3);
  EXPECT_EQ(config.limits.header_timeout, 1s);
  EXPECT_EQ(config.limits.http_max_connections, 100) << "other keys keep their values";
}

TEST(HubLimitsConfig, BadValuesAndNamesAreRefusedWithTheKey) {
  auto refused = [](const char* text, const char* expected) {
    hub::HubConfig config;
    try {
      hub::load_config_text(text, config, "soket.toml");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  refused("[limits.http]\nmax_connections = -1\n", "'limits.http.max_connections' must be a whole");
  refused("[limits.http]\nheader_timeout = \"10s\"\n",
          "'limits.http.header_timeout' must be a number of seconds");
  refused("[limits.http]\nmax_header_count = 0\n",
          "'limits.http.max_header_count' must be 1 or more");
  refused("[limits.devices]\nlines_per_second = -2\n",
          "'limits.devices.lines_per_second' must be a number");
  refused("[limits.chat]\nname_timout = 3\n", "unknown setting 'limits.chat.name_timout'");
  refused("[limits.disk]\nx = 1\n", "unknown setting 'limits.disk'");
  hub::HubConfig config;
  EXPECT_THROW(hub::apply_limit_flag("header_timeout=5", config), std::runtime_error);
  EXPECT_THROW(hub::apply_limit_flag("http.header_timeout=", config), std::runtime_error);
  EXPECT_THROW(hub::apply_limit_flag("http.header_timeout=5\n[auth]", config), std::runtime_error);
  EXPECT_THROW(hub::apply_limit_flag("http.nope=5", config), std::runtime_error);
}

}  // namespace
}  // namespace soket
