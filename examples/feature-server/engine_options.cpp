#include "engine_options.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <regex>
#include <utility>

#include "soket/socketio/socket.hpp"

namespace soket::examples {
namespace {

using engineio::EngineRequest;

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

// "Name: value" -> {Name, value}; nullopt without a name.
std::optional<std::pair<std::string, std::string>> header_line(std::string_view line) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto name = trim(line.substr(0, colon));
  if (name.empty() || name.find_first_of(" \t") != std::string::npos) return std::nullopt;
  return std::pair{name, trim(line.substr(colon + 1))};
}

// Whether the Cookie header holds `wanted` ("name=value") as one of its pairs.
bool has_cookie(std::string_view cookie_header, std::string_view wanted) {
  while (!cookie_header.empty()) {
    auto end = cookie_header.find(';');
    if (trim(cookie_header.substr(0, end)) == wanted) return true;
    if (end == std::string_view::npos) break;
    cookie_header.remove_prefix(end + 1);
  }
  return false;
}

}  // namespace

void add_engine_options(CLI::App& cli, EngineSwitches& s) {
  cli.add_option("--transports", s.transports,
                 "Transports clients may use, e.g. --transports polling or websocket (Node's "
                 "transports)")
      ->delimiter(',')
      ->capture_default_str();
  cli.add_flag("--no-trailing-slash", s.no_trailing_slash,
               "Also serve /socket.io without its trailing slash (Node's addTrailingSlash: false)");
  cli.add_option("--cors-origin", s.cors_origins, "An allowed CORS origin, exact or * (repeatable)")
      ->capture_default_str();
  cli.add_option("--cors-origin-regex", s.cors_origin_regexes,
                 "Origins matching this ECMAScript regex are allowed (repeatable)");
  cli.add_flag("--cors-origin-function", s.cors_origin_function,
               "Decide each origin in an asynchronous origin function (with the lists above; an "
               "origin without :// is an error, answered 400)");
  cli.add_flag("--cors-credentials", s.cors_credentials,
               "Access-Control-Allow-Credentials: true (the origin is reflected, never *)");
  cli.add_option("--cors-methods", s.cors_methods,
                 "Access-Control-Allow-Methods (default GET,POST)")
      ->delimiter(',');
  cli.add_option("--cors-allowed-headers", s.cors_allowed_headers,
                 "Access-Control-Allow-Headers (default: those the preflight asks for)")
      ->delimiter(',');
  cli.add_option("--cors-max-age", s.cors_max_age, "Access-Control-Max-Age in seconds")
      ->check(CLI::Range(0, 86400 * 365));
  cli.add_flag("--cookie", s.cookie, "Set the sid cookie on polling handshakes (Node's cookie)");
  cli.add_option("--cookie-name", s.cookie_name, "Name of the sid cookie")->capture_default_str();
  cli.add_option("--cookie-path", s.cookie_path, "Path of the sid cookie (\"\": none)")
      ->capture_default_str();
  cli.add_option("--cookie-same-site", s.cookie_same_site, "lax, strict, none or \"\"")
      ->capture_default_str();
  cli.add_option("--handshake-token", s.handshake_token,
                 "allowRequest: a handshake needs ?token=<this> in its query, else 403 "
                 "{\"code\":4,\"message\":\"invalid token\"}");
  cli.add_option("--session-ids", s.session_ids,
                 "generateId: counter (sid-1, sid-2, ...) or fixed=<id> (every session asks for "
                 "<id>; while it is in use, or when it is empty, handshakes get 400 code 3)");
  cli.add_option("--initial-header", s.initial_headers,
                 "\"Name: value\" added to handshake responses (initial_headers; repeatable)");
  cli.add_option("--header", s.headers,
                 "\"Name: value\" added to every polling response and WebSocket 101 (headers; "
                 "repeatable)");
  cli.add_option("--engine-require-cookie", s.engine_require_cookie,
                 "engine.use(): every Engine.IO request needs this cookie (name=value), else 401");
  cli.add_flag("--log-connection-errors", s.log_connection_errors,
               "Print each engine connection_error as a JSON line on stdout");
  cli.add_flag("--allow-remote-close", s.remote_close,
               "The close-server event closes the Socket.IO server (as io.close())");
}

std::optional<std::string> apply_engine_options(const EngineSwitches& s, net::asio::io_context& io,
                                                socketio::ServerOptions& options) {
  auto& engine = options.engine;
  engine.transports = s.transports;
  engine.add_trailing_slash = !s.no_trailing_slash;

  auto& cors = engine.cors;
  cors.enabled = true;
  cors.origins = s.cors_origins;
  for (const auto& pattern : s.cors_origin_regexes) {
    try {
      cors.origin_patterns.emplace_back(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return "--cors-origin-regex \"" + pattern + "\": " + e.what();
    }
  }
  cors.credentials = s.cors_credentials;
  if (!s.cors_methods.empty()) cors.methods = s.cors_methods;
  cors.allowed_headers = s.cors_allowed_headers;
  cors.max_age_seconds = s.cors_max_age;
  if (s.cors_origin_function) {
    // As a function that looked the origin up somewhere would: it answers a little later.
    cors.origin_function = [&io, origins = cors.origins, patterns = cors.origin_patterns](
                               std::string_view origin, http::OriginCallback done) {
      auto timer = std::make_shared<net::asio::steady_timer>(io, std::chrono::milliseconds(5));
      timer->async_wait(
          [timer, origin = std::string(origin), done, &origins, &patterns](net::error_code) {
            if (origin.find("://") == std::string::npos)
              return done("not an origin: " + origin, false);
            bool allowed = std::find(origins.begin(), origins.end(), "*") != origins.end() ||
                           std::find(origins.begin(), origins.end(), origin) != origins.end() ||
                           std::any_of(patterns.begin(), patterns.end(), [&](const std::regex& p) {
                             return std::regex_search(origin, p);
                           });
            done(std::nullopt, allowed);
          });
    };
  }

  if (s.cookie) {
    engineio::CookieOptions cookie;
    cookie.name = s.cookie_name;
    cookie.path = s.cookie_path;
    cookie.same_site = s.cookie_same_site;
    engine.cookie = cookie;
  }

  if (!s.handshake_token.empty()) {
    engine.allow_request = [&io, token = s.handshake_token](const EngineRequest& request,
                                                            engineio::AllowRequestCallback done) {
      const std::string* given = request.query("token");
      bool allowed = given && *given == token;
      // Answered later, as a check against a database or another service would be.
      boost::asio::post(io, [done, allowed] { done(allowed, allowed ? "" : "invalid token"); });
    };
  }

  if (s.session_ids == "counter") {
    engine.generate_id = [next = std::make_shared<long>(0)](const EngineRequest&) {
      return "sid-" + std::to_string(++*next);
    };
  } else if (s.session_ids.starts_with("fixed=")) {
    engine.generate_id = [id = s.session_ids.substr(6)](const EngineRequest&) { return id; };
  } else if (!s.session_ids.empty()) {
    return "--session-ids: \"" + s.session_ids + "\" is not counter or fixed=<id>";
  }
  return std::nullopt;
}

std::optional<std::string> setup_engine_hooks(const EngineSwitches& s, socketio::Server& io) {
  auto& engine = io.engine();
  for (const auto& [lines, initial] :
       {std::pair{&s.initial_headers, true}, std::pair{&s.headers, false}}) {
    for (const auto& line : *lines) {
      auto header = header_line(line);
      if (!header) return "header \"" + line + "\" is not \"Name: value\"";
      auto add = [header = *header](http::HeaderList& headers, const EngineRequest&) {
        headers.push_back(header);
      };
      if (initial) {
        engine.on_initial_headers(add);
      } else {
        engine.on_headers(add);
      }
    }
  }

  if (!s.engine_require_cookie.empty()) {
    if (s.engine_require_cookie.find('=') == std::string::npos)
      return "--engine-require-cookie: \"" + s.engine_require_cookie + "\" is not name=value";
    engine.use(
        [wanted = s.engine_require_cookie](EngineRequest& request, engineio::MiddlewareNext next) {
          auto cookie = request.header("cookie");
          if (!cookie || !has_cookie(*cookie, wanted))
            return next(
                engineio::MiddlewareError{http::Status::unauthorized, "session cookie required"});
          request.response_headers().emplace_back("X-Session-Checked", "yes");
          next(std::nullopt);
        });
  }

  if (s.log_connection_errors) {
    engine.on_connection_error([](const engineio::ConnectionError& error) {
      boost::json::object line{{"code", static_cast<int>(error.code)},
                               {"message", error.message},
                               {"context", error.context},
                               {"method", error.request.method()},
                               {"url", error.request.url()},
                               {"address", error.request.address()}};
      std::printf("connection_error %s\n", boost::json::serialize(line).c_str());
      std::fflush(stdout);
    });
  }

  io.on_connection([&io, remote_close = s.remote_close](socketio::Socket& socket) {
    // Node's socket.handshake, field by field.
    socket.on("handshake", [](socketio::Socket& s, socketio::Message&, socketio::Ack& ack) {
      ack.send(s.nsp().adapter().details(s).handshake);
    });
    if (!remote_close) return;
    socket.on("close-server", [&io](socketio::Socket&, socketio::Message&, socketio::Ack& ack) {
      ack.send(boost::json::object{{"closing", true}});
      boost::asio::post(io.io(), [&io] { io.close(); });
    });
  });
  return std::nullopt;
}

}  // namespace soket::examples
