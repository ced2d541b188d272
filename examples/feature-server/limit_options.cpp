#include "limit_options.hpp"

#include <boost/json.hpp>

#include <chrono>

namespace soket::examples {

void add_limit_options(CLI::App& app, LimitSwitches& s) {
  auto count = CLI::Range(std::size_t{0}, std::size_t{1} << 30);
  auto ms = CLI::Range(int64_t{0}, int64_t{86400000});
  app.add_option("--max-connections", s.max_connections,
                 "Open HTTP/WebSocket connections at once; past it a client gets 503 (0: no limit)")
      ->check(count);
  app.add_option("--max-connections-per-address", s.max_connections_per_address,
                 "The same per client address (0: no limit)")
      ->check(count);
  app.add_option("--header-timeout-ms", s.header_timeout_ms,
                 "Milliseconds to send a request's headers (default 10000)")
      ->check(ms);
  app.add_option("--request-timeout-ms", s.request_timeout_ms,
                 "Milliseconds to send a whole request (default 30000)")
      ->check(ms);
  app.add_option("--max-header-count", s.max_header_count,
                 "Header fields in a request; more get 431 (default 100)")
      ->check(count);
  app.add_option("--max-url-length", s.max_url_length,
                 "Bytes of a request's path and query; more get 414 (default 8192)")
      ->check(count);
  app.add_option("--max-http-buffer-size", s.max_http_buffer_size,
                 "Largest polling POST body and WebSocket message (maxHttpBufferSize, default 1e6)")
      ->check(count);
  app.add_option("--connect-timeout-ms", s.connect_timeout_ms,
                 "Milliseconds to send the first Socket.IO CONNECT (connectTimeout, default 45000)")
      ->check(ms);
  app.add_option("--upgrade-timeout-ms", s.upgrade_timeout_ms,
                 "Milliseconds to complete a polling -> WebSocket upgrade (default 10000)")
      ->check(ms);
  app.add_option("--events-per-second", s.events_per_second,
                 "Events a client may send per second on one socket; the excess is dropped with "
                 "an \"error\" event (0: no limit)")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--event-burst", s.event_burst,
                 "Events a socket may send at once before --events-per-second applies")
      ->check(CLI::Range(0.0, 1e9));
}

void apply_limit_options(const LimitSwitches& s, http::Server& http,
                         socketio::ServerOptions& options) {
  using std::chrono::milliseconds;
  auto& h = http.options_to_change();
  if (s.max_connections) h.connection_limits.max_total = s.max_connections;
  if (s.max_connections_per_address)
    h.connection_limits.max_per_address = s.max_connections_per_address;
  if (s.header_timeout_ms) h.header_timeout = milliseconds(s.header_timeout_ms);
  if (s.request_timeout_ms) h.request_timeout = milliseconds(s.request_timeout_ms);
  if (s.max_header_count) h.max_header_count = s.max_header_count;
  if (s.max_url_length) h.max_url_length = s.max_url_length;
  if (s.max_http_buffer_size) options.engine.max_payload = s.max_http_buffer_size;
  if (s.connect_timeout_ms) options.connect_timeout = milliseconds(s.connect_timeout_ms);
  if (s.upgrade_timeout_ms) options.engine.upgrade_timeout = milliseconds(s.upgrade_timeout_ms);
  options.events_per_second = s.events_per_second;
  options.event_burst = s.event_burst;
}

void serve_limit_stats(http::Server& http, const socketio::Server& io) {
  http.router().add("/limits", [&http, &io](const http::ExchangePtr& exchange) {
    auto h = http.limit_stats();
    auto sio = io.limit_stats();
    boost::json::object o{{"refused_total", h.refused_total},
                          {"refused_per_address", h.refused_per_address},
                          {"header_timeouts", h.header_timeouts},
                          {"headers_too_large", h.headers_too_large},
                          {"url_too_long", h.url_too_long},
                          {"body_too_large", h.body_too_large},
                          {"events_dropped", sio.events_dropped},
                          {"connect_timeouts", sio.connect_timeouts},
                          {"http_connections", http.connection_count()},
                          {"limited_connections", http.limited_connection_count()}};
    exchange->respond(
        http::json_response(exchange->request(), http::Status::ok, boost::json::serialize(o)));
  });
}

}  // namespace soket::examples
