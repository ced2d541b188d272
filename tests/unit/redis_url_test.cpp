#include "soket/cluster/redis_url.hpp"

#include <gtest/gtest.h>

namespace soket::cluster {
namespace {

TEST(RedisUrl, HostAndPort) {
  auto url = RedisUrl::parse("redis://cache.local:6380");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "cache.local");
  EXPECT_EQ(url->port, 6380);
  EXPECT_EQ(url->db, 0);
  EXPECT_TRUE(url->username.empty());
  EXPECT_TRUE(url->password.empty());
}

TEST(RedisUrl, Defaults) {
  auto url = RedisUrl::parse("redis://10.0.0.7");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "10.0.0.7");
  EXPECT_EQ(url->port, 6379);
  ASSERT_TRUE(RedisUrl::parse("redis://host/"));
  EXPECT_EQ(RedisUrl::parse("redis://host/")->db, 0);
}

TEST(RedisUrl, PasswordAndDatabase) {
  auto url = RedisUrl::parse("redis://:s3cret@127.0.0.1:7000/2");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 7000);
  EXPECT_TRUE(url->username.empty());
  EXPECT_EQ(url->password, "s3cret");
  EXPECT_EQ(url->db, 2);
}

TEST(RedisUrl, UserAndPercentEncodedPassword) {
  auto url = RedisUrl::parse("redis://app:p%40ss%3Aword@redis.example.com");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->username, "app");
  EXPECT_EQ(url->password, "p@ss:word");
  EXPECT_EQ(url->host, "redis.example.com");
  EXPECT_EQ(url->port, 6379);
}

TEST(RedisUrl, Ipv6Host) {
  auto url = RedisUrl::parse("redis://[::1]:6390");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 6390);
  EXPECT_EQ(url->to_string_redacted(), "redis://[::1]:6390");
}

TEST(RedisUrl, RedactedStringHidesThePassword) {
  auto url = RedisUrl::parse("redis://app:topsecret@host:6380/3");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->to_string_redacted(), "redis://app:***@host:6380/3");
  EXPECT_EQ(RedisUrl::parse("redis://:topsecret@host")->to_string_redacted(),
            "redis://:***@host:6379");
  EXPECT_EQ(RedisUrl{}.to_string_redacted(), "redis://127.0.0.1:6379");
}

TEST(RedisUrl, RejectsBadUrls) {
  for (const char* text : {"",
                           "localhost:6379",
                           "redis:",
                           "redis://",
                           "redis://:6379",
                           "http://host:6379",
                           "rediss://host",
                           "redis://host:0",
                           "redis://host:65536",
                           "redis://host:99999999999",
                           "redis://host:abc",
                           "redis://host:",
                           "redis://host/x",
                           "redis://host/-1",
                           "redis://host/1/2",
                           "redis://host/1x",
                           "redis://user@host",
                           "redis://:@host",
                           "redis://host?db=1",
                           "redis://host#frag",
                           "redis://ho st",
                           "redis://host:6379 "}) {
    std::string error;
    EXPECT_FALSE(RedisUrl::parse(text, &error)) << text;
    EXPECT_NE(error, "") << text;
  }
  EXPECT_FALSE(RedisUrl::parse("redis://:pw@host:x"));  // no error pointer: still fine
}

TEST(RedisUrl, ErrorsDoNotRepeatThePassword) {
  std::string error;
  EXPECT_FALSE(RedisUrl::parse("redis://:hunter2@host:port", &error));
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
}

}  // namespace
}  // namespace soket::cluster
