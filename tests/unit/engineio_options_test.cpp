// Engine.IO option checks and the pure helpers behind them: the sid cookie's serialization (as the
// `cookie` package writes it), the transports list, and CORS origin patterns.
#include <gtest/gtest.h>

#include <stdexcept>

#include "soket/engineio/cookie.hpp"
#include "soket/engineio/server.hpp"
#include "soket/http/cors.hpp"

namespace soket::engineio {
namespace {

TEST(EngineIoCookie, DefaultsAsTheReference) {
  EXPECT_EQ(serialize_cookie(CookieOptions{}, "abc-DEF_123"),
            "io=abc-DEF_123; Path=/; HttpOnly; SameSite=Lax");
}

TEST(EngineIoCookie, EveryAttributeInTheCookiePackagesOrder) {
  CookieOptions o;
  o.name = "lb";
  o.max_age = 3600;
  o.domain = "example.com";
  o.path = "/app";
  o.secure = true;
  o.partitioned = true;
  o.priority = "High";
  o.same_site = "None";
  EXPECT_EQ(serialize_cookie(o, "x"),
            "lb=x; Max-Age=3600; Domain=example.com; Path=/app; HttpOnly; Secure; Partitioned; "
            "Priority=High; SameSite=None");
  o = CookieOptions{};
  o.path = "";
  o.http_only = false;
  o.same_site = "";
  EXPECT_EQ(serialize_cookie(o, "a b;c=d\xc3\xa9"), "io=a%20b%3Bc%3Dd%C3%A9");
}

TEST(EngineIoCookie, InvalidOptionsAreRefused) {
  for (const char* name : {"", "a b", "a;b", "a=b", "na\"me"}) {
    CookieOptions o;
    o.name = name;
    EXPECT_THROW(validate(o), std::invalid_argument) << name;
  }
  CookieOptions o;
  o.same_site = "sometimes";
  EXPECT_THROW(validate(o), std::invalid_argument);
  o = CookieOptions{};
  o.path = "/a;b";
  EXPECT_THROW(validate(o), std::invalid_argument);
  o = CookieOptions{};
  o.priority = "urgent";
  EXPECT_THROW(validate(o), std::invalid_argument);
  EXPECT_NO_THROW(validate(CookieOptions{}));
}

TEST(EngineIoServerOptions, TransportsListIsChecked) {
  net::asio::io_context io;
  auto make = [&](std::vector<std::string> transports) {
    ServerOptions options;
    options.transports = std::move(transports);
    Server server(io, options);
  };
  EXPECT_NO_THROW(make({"websocket", "polling"}));
  EXPECT_NO_THROW(make({"polling"}));
  EXPECT_NO_THROW(make({"websocket"}));
  EXPECT_THROW(make({}), std::invalid_argument);
  EXPECT_THROW(make({"polling", "webtransport"}), std::invalid_argument);
  EXPECT_THROW(make({"Polling"}), std::invalid_argument);
}

TEST(EngineIoServerOptions, BadCookieIsRefusedAtConstruction) {
  net::asio::io_context io;
  ServerOptions options;
  options.cookie = CookieOptions{};
  options.cookie->name = "bad name";
  EXPECT_THROW(Server(io, options), std::invalid_argument);
}

TEST(HttpCors, PatternsMatchAsRegExpTest) {
  http::CorsOptions o;
  o.enabled = true;
  o.origins = {"https://a.example"};
  o.origin_patterns.emplace_back(R"(\.b\.example$)");
  auto acao = [&](const char* origin) {
    http::Request req{http::Verb::get, "/", 11};
    if (origin) req.set(http::Field::origin, origin);
    http::Response res;
    http::apply_cors(o, req, res);
    auto it = res.find(http::Field::access_control_allow_origin);
    return it == res.end() ? std::string("-") : std::string(it->value());
  };
  EXPECT_EQ(acao("https://a.example"), "https://a.example");
  EXPECT_EQ(acao("https://x.b.example"), "https://x.b.example");
  EXPECT_EQ(acao("https://x.b.example.evil"), "-");
  EXPECT_EQ(acao("https://a.example.evil"), "-");
  EXPECT_EQ(acao(nullptr), "-");
  // An origin function takes over: the static lists add nothing.
  o.origin_function = [](std::string_view, http::OriginCallback done) { done(std::nullopt, true); };
  EXPECT_EQ(acao("https://a.example"), "-");
}

}  // namespace
}  // namespace soket::engineio
