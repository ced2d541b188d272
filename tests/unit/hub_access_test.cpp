// Token checks of the hub: constant-time comparison, the Bearer scheme, signed download links,
// the REST refusals, and the redaction of secrets in logged URLs.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "soket/http/authorization.hpp"
#include "soket/http/redact.hpp"
#include "soket/hub/access.hpp"
#include "soket/hub/config.hpp"
#include "soket/hub/signed_link.hpp"
#include "soket/util/constant_time.hpp"

namespace {

using soket::http::bearer_token;
using soket::http::redact_target;
using soket::hub::Access;
using soket::hub::HubConfig;
using soket::hub::LinkSigner;
using soket::util::constant_time_equal;

TEST(ConstantTimeEqual, EqualOnlyForTheSameBytes) {
  EXPECT_TRUE(constant_time_equal("s3cret", "s3cret"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("s3cres", "s3cret"));        // last byte
  EXPECT_FALSE(constant_time_equal("x3cret", "s3cret"));        // first byte
  EXPECT_FALSE(constant_time_equal("s3cre", "s3cret"));         // a prefix
  EXPECT_FALSE(constant_time_equal("s3crets3cret", "s3cret"));  // repeats the secret
  EXPECT_FALSE(constant_time_equal("s3crett", "s3cret"));       // longer
  EXPECT_FALSE(constant_time_equal("", "s3cret"));
  EXPECT_FALSE(constant_time_equal("s3cret", ""));
  EXPECT_FALSE(constant_time_equal(std::string_view("s3cr\0t", 6), "s3cret"));
}

TEST(BearerToken, SchemeInAnyCase) {
  for (const char* header : {"Bearer abc", "bearer abc", "BEARER abc", "bEaReR abc", "Bearer   abc",
                             "  Bearer abc  ", "Bearer\tabc"}) {
    auto token = bearer_token(header);
    ASSERT_TRUE(token) << header;
    EXPECT_EQ(*token, "abc") << header;
  }
}

TEST(BearerToken, RefusesOtherSchemesAndShapes) {
  for (const char* header : {"", "Bearer", "Bearer ", "Bearerabc", "Basic YWJj", "abc",
                             "Bearer abc def", "Bear abc", "XBearer abc"}) {
    EXPECT_FALSE(bearer_token(header)) << header;
  }
}

TEST(RedactTarget, HidesSecretParameters) {
  EXPECT_EQ(redact_target("/?token=abc"), "/?token=***");
  EXPECT_EQ(redact_target("/socket.io/?EIO=4&transport=polling&token=abc&sid=x1"),
            "/socket.io/?EIO=4&transport=polling&token=***&sid=x1");
  EXPECT_EQ(redact_target("/a?access_token=1&api_key=2&password=3&Secret=4&sig=5&auth=6"),
            "/a?access_token=***&api_key=***&password=***&Secret=***&sig=***&auth=***");
  EXPECT_EQ(redact_target("/a?%74oken=abc"), "/a?%74oken=***");  // "token", percent-encoded
  EXPECT_EQ(redact_target("/a?TOKEN=abc&token"), "/a?TOKEN=***&token");
}

TEST(RedactTarget, KeepsEverythingElse) {
  EXPECT_EQ(redact_target("/api/devices"), "/api/devices");
  EXPECT_EQ(redact_target("/x?a=1&b=2&&c"), "/x?a=1&b=2&&c");
  EXPECT_EQ(redact_target("/x?"), "/x?");
}

TEST(RedactTarget, FormatsLazily) {
  EXPECT_EQ(fmt::format("GET {}", soket::http::Redacted{"/?token=abc&x=1"}), "GET /?token=***&x=1");
}

TEST(LinkSigner, SignedTargetIsValidUntilItExpires) {
  LinkSigner signer("key-1");
  std::string link = signer.sign("/api/devices/d1/readings?format=csv&from=1&to=2", 1000);
  EXPECT_TRUE(
      link.starts_with("/api/devices/d1/readings?format=csv&from=1&to=2&expires=1000&sig="));
  EXPECT_EQ(signer.check(link, 999), LinkSigner::Check::valid);
  EXPECT_EQ(signer.check(link, 1000), LinkSigner::Check::valid);
  EXPECT_EQ(signer.check(link, 1001), LinkSigner::Check::expired);
  EXPECT_EQ(signer.check(signer.sign("/api/chat", 5), 1), LinkSigner::Check::valid);
}

TEST(LinkSigner, AnyChangeVoidsTheLink) {
  LinkSigner signer("key-1");
  std::string link = signer.sign("/api/devices/d1/readings?format=csv&from=1&to=2", 1000);
  auto at = link.find("&sig=");
  std::vector<std::string> altered = {
      link.substr(0, at) + "&x=1" + link.substr(at),                // a parameter added
      std::string(link).replace(link.find("d1"), 2, "d2"),          // another device
      std::string(link).replace(link.find("from=1"), 6, "from=0"),  // a wider range
      std::string(link).replace(link.find("expires=1000"), 12, "expires=9999"),  // later expiry
      link + "0",                                           // a longer signature
      link.substr(0, link.size() - 1),                      // a shorter one
      link + "&extra=1",                                    // sig not last
      link.substr(0, at) + "&sig=" + std::string(64, '0'),  // a made-up one
      link.substr(0, at),                                   // expires, no sig
  };
  std::string last = link;
  last.back() = last.back() == 'a' ? 'b' : 'a';
  altered.push_back(last);  // one hex digit changed
  for (const auto& target : altered)
    EXPECT_EQ(signer.check(target, 1), LinkSigner::Check::bad_signature) << target;
  // Another key (another process, or a restart) does not accept it either.
  EXPECT_EQ(LinkSigner("key-2").check(link, 1), LinkSigner::Check::bad_signature);
  EXPECT_EQ(signer.check("/api/devices/d1/readings?format=csv", 1),
            LinkSigner::Check::unsigned_target);
}

TEST(LinkSigner, RandomKeysDiffer) {
  LinkSigner a, b;
  std::string link = a.sign("/api/x", 1000);
  EXPECT_EQ(a.check(link, 1), LinkSigner::Check::valid);
  EXPECT_EQ(b.check(link, 1), LinkSigner::Check::bad_signature);
}

soket::http::Request request(soket::http::Verb verb, std::string target,
                             std::string authorization = "") {
  soket::http::Request req{verb, target, 11};
  if (!authorization.empty()) req.set(soket::http::Field::authorization, authorization);
  return req;
}

std::string error_code(const soket::http::Response& res) {
  return std::string(boost::json::parse(res.body()).at("error").at("code").as_string());
}

TEST(Access, OpenWithoutTokens) {
  Access access{HubConfig{}};
  EXPECT_FALSE(access.api_refusal(request(soket::http::Verb::get, "/api/devices")));
  EXPECT_TRUE(access.dashboard_allowed({}));
}

TEST(Access, DashboardTokenInTheHandshakeAuth) {
  HubConfig config;
  config.dashboard_token = "dash";
  Access access{config};
  EXPECT_TRUE(access.dashboard_allowed(boost::json::parse(R"({"token":"dash"})").as_object()));
  EXPECT_FALSE(access.dashboard_allowed(boost::json::parse(R"({"token":"dasH"})").as_object()));
  EXPECT_FALSE(access.dashboard_allowed(boost::json::parse(R"({"token":["dash"]})").as_object()));
  EXPECT_FALSE(access.dashboard_allowed({}));
}

TEST(Access, ApiTokenOrSignedLink) {
  using soket::http::Verb;
  HubConfig config;
  config.api_token = "api";
  Access access{config};
  EXPECT_FALSE(access.api_refusal(request(Verb::get, "/api/devices", "Bearer api")));
  EXPECT_FALSE(access.api_refusal(request(Verb::post, "/api/commands", "BEARER api")));
  for (const char* header : {"Bearer apI", "Bearer api2", "Basic api", "api"}) {
    auto refusal = access.api_refusal(request(Verb::get, "/api/devices", header));
    ASSERT_TRUE(refusal) << header;
    EXPECT_EQ(refusal->result(), soket::http::Status::unauthorized);
    EXPECT_EQ(error_code(*refusal), "unauthorized");
    EXPECT_EQ(std::string(refusal->at(soket::http::Field::www_authenticate)), "Bearer");
  }
  std::string link = access.signed_link("/api/devices/d/readings?format=csv");
  EXPECT_FALSE(access.api_refusal(request(Verb::get, link)));
  auto post = access.api_refusal(request(Verb::post, link));
  ASSERT_TRUE(post);
  EXPECT_EQ(post->result(), soket::http::Status::forbidden);
  auto altered = access.api_refusal(request(Verb::get, link + "0"));
  ASSERT_TRUE(altered);
  EXPECT_EQ(altered->result(), soket::http::Status::forbidden);
  EXPECT_EQ(error_code(*altered), "bad_signature");
  auto missing = access.api_refusal(request(Verb::get, "/api/devices/d/readings?format=csv"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->result(), soket::http::Status::unauthorized);
}

TEST(AuthConfig, ChatNameLinkTtlAndCorsOrigins) {
  HubConfig config;
  EXPECT_EQ(config.dashboard_chat_name, "dashboard");
  EXPECT_EQ(config.link_ttl, std::chrono::seconds(300));
  EXPECT_FALSE(config.cors_origins);
  soket::hub::load_config_text(
      "[server]\ncors_origins = [\"https://a.example\", \"*\"]\n"
      "[auth]\nchat_name = \"operator\"\nlink_ttl = 60\n",
      config);
  EXPECT_EQ(config.dashboard_chat_name, "operator");
  EXPECT_EQ(config.link_ttl, std::chrono::seconds(60));
  ASSERT_TRUE(config.cors_origins);
  EXPECT_EQ(*config.cors_origins, (std::vector<std::string>{"https://a.example", "*"}));
  soket::hub::load_config_text("[server]\ncors_origins = []\n", config);
  ASSERT_TRUE(config.cors_origins);
  EXPECT_TRUE(config.cors_origins->empty());
}

TEST(AuthConfig, BadValuesAreRefused) {
  for (const char* text : {"[auth]\nchat_name = \"\"\n",
                           "[auth]\nchat_name = \"0123456789012345678901234567890123\"\n",
                           "[auth]\nchat_name = \"a\\nb\"\n", "[auth]\nlink_ttl = 0\n",
                           "[auth]\nlink_ttl = \"5m\"\n", "[server]\ncors_origins = \"*\"\n",
                           "[server]\ncors_origins = [1]\n", "[server]\ncors_origins = [\"\"]\n"}) {
    HubConfig config;
    EXPECT_THROW(soket::hub::load_config_text(text, config), std::runtime_error) << text;
  }
}

}  // namespace
