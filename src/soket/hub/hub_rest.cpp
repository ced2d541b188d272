// The REST API (JSON over HTTP), /healthz, /metrics and the dashboard's files.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <sstream>

#include "soket/http/static_dir.hpp"
#include "soket/http/target.hpp"
#include "soket/hub/hub.hpp"
#include "soket/hub/rest_queries.hpp"
#include "soket/hub/rest_reply.hpp"
#include "soket/hub/web_assets.hpp"
#include "soket/store/json.hpp"
#include "soket/util/log.hpp"

namespace soket::hub {
namespace {

http::Response api_error(const http::Request& req, http::Status status, std::string_view code,
                         std::string_view message) {
  return rest::error(req, status, code, message);
}

http::Response api_ok(const http::Request& req, http::Status status, const boost::json::value& v) {
  return rest::ok(req, status, v);
}

using rest::int_param;

}  // namespace

void Hub::setup_rest() {
  http_->router().add_prefix("/api/", [this](const http::ExchangePtr& e) { handle_api(e); });
  http_->router().add("/healthz", [this](const http::ExchangePtr& e) {
    boost::json::object health{{"status", "ok"},
                               {"uptime_s", (store::now_ms() - started_ms_) / 1000},
                               {"devices_online", registry_.online_count()},
                               {"socketio_clients", io_server_->client_count()}};
    if (cluster_) {
      health["node"] = node_name();
      health["leader"] = cluster_->leader();
    }
    e->respond(api_ok(e->request(), http::Status::ok, health));
  });
  http_->router().add("/metrics", [this](const http::ExchangePtr& e) {
    if (auto refusal = access_.api_refusal(e->request())) return e->respond(std::move(*refusal));
    e->respond(http::text_response(e->request(), http::Status::ok, metrics_text(),
                                   "text/plain; version=0.0.4; charset=utf-8"));
  });
  http_->router().add_prefix("/", [this](const http::ExchangePtr& e) { serve_dashboard(e); });
}

void Hub::serve_dashboard(const http::ExchangePtr& exchange) {
  if (!config_.web_dir.empty()) return http::serve_file_from(config_.web_dir, exchange);
  serve_web_asset(exchange);
}

void Hub::respond_from_pool(const http::ExchangePtr& exchange, PoolQuery query) {
  queries_->run(
      [exchange, query = std::move(query)] {
        const auto& req = exchange->request();
        try {
          return query(req);
        } catch (const std::exception& e) {  // the database failed (SqliteError): not the client
          spdlog::error("query {} failed: {}", std::string_view(req.target()), e.what());
          return api_error(req, http::Status::internal_server_error, "query_failed",
                           "the query failed, try again");
        }
      },
      [exchange](http::Response response) { exchange->respond(std::move(response)); });
}

void Hub::handle_api(const http::ExchangePtr& exchange) {
  const auto& req = exchange->request();
  auto respond = [&](http::Response res) { exchange->respond(std::move(res)); };
  if (auto refusal = access_.api_refusal(req)) return respond(std::move(*refusal));
  auto target = http::parse_target(std::string_view(req.target()));
  if (!target)
    return respond(api_error(req, http::Status::bad_request, "bad_request", "malformed URL"));
  std::vector<std::string> parts;
  std::stringstream path(target->path.substr(5));  // after "/api/"
  for (std::string part; std::getline(path, part, '/');)
    if (!part.empty()) parts.push_back(part);
  bool get = req.method() == http::Verb::get, post = req.method() == http::Verb::post;
  auto wrong_method = [&] {
    respond(api_error(req, http::Status::method_not_allowed, "method_not_allowed",
                      "this resource does not take " + std::string(req.method_string())));
  };
  auto json_body = [&]() -> std::optional<boost::json::object> {
    boost::system::error_code ec;
    auto v = boost::json::parse(req.body(), ec);
    if (ec || !v.is_object()) {
      respond(
          api_error(req, http::Status::bad_request, "bad_json", "the body must be a JSON object"));
      return std::nullopt;
    }
    return std::move(v.as_object());
  };
  auto command_reply = [exchange](boost::json::object result) {
    bool ok = result["ok"].as_bool();
    const auto& req = exchange->request();
    if (!ok) {
      return exchange->respond(
          api_error(req, http::Status::bad_request, "bad_command", result["error"].as_string()));
    }
    exchange->respond(api_ok(req, http::Status::accepted, result));
  };
  auto string_of = [](const boost::json::object& o, std::string_view key) -> std::string {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
  };

  try {
    if (parts.size() == 1 && parts[0] == "devices") {
      if (!get) return wrong_method();
      return respond(
          api_ok(req, http::Status::ok, boost::json::object{{"devices", registry_.all_json()}}));
    }
    if (parts.size() == 3 && parts[0] == "devices" && parts[2] == "readings") {
      if (!get) return wrong_method();
      if (!registry_.find(parts[1]))
        return respond(api_error(req, http::Status::not_found, "unknown_device",
                                 "no device '" + parts[1] + "'"));
      return respond_from_pool(
          exchange, [this, target = *target, device = parts[1]](const http::Request& req) {
            return rest::readings(req, target, *store_, device);
          });
    }
    if (parts.size() == 3 && parts[0] == "devices" && parts[2] == "messages") {
      if (!get) return wrong_method();
      if (!registry_.find(parts[1]))
        return respond(api_error(req, http::Status::not_found, "unknown_device",
                                 "no device '" + parts[1] + "'"));
      return respond_from_pool(
          exchange, [this, target = *target, device = parts[1]](const http::Request& req) {
            return rest::messages(req, target, *store_, device);
          });
    }
    if (parts.size() == 3 && parts[0] == "devices" && parts[2] == "commands") {
      if (!post) return wrong_method();
      if (!registry_.find(parts[1]))
        return respond(api_error(req, http::Status::not_found, "unknown_device",
                                 "no device '" + parts[1] + "'"));
      auto body = json_body();
      if (!body) return;
      return send_command(parts[1], string_of(*body, "command"), store::CommandSource::rest,
                          command_reply);
    }
    if (parts.size() == 2 && parts[0] == "commands") {
      if (!get) return wrong_method();
      return respond(rest::command(req, *store_, parts[1]));
    }
    if (parts.size() == 1 && parts[0] == "commands") {
      if (get)
        return respond_from_pool(exchange, [this, target = *target](const http::Request& req) {
          return rest::commands(req, target, *store_);
        });
      if (!post) return wrong_method();
      auto body = json_body();
      if (!body) return;
      auto source = string_of(*body, "source") == "cli" ? store::CommandSource::cli
                                                        : store::CommandSource::rest;
      return send_command(string_of(*body, "to"), string_of(*body, "command"), source,
                          command_reply);
    }
    if (parts.size() == 1 && (parts[0] == "chat" || parts[0] == "alerts")) {
      if (!get) return wrong_method();
      auto limit = int_param(*target, "limit", 50);
      if (!limit)
        return respond(
            api_error(req, http::Status::bad_request, "bad_query", "limit is a whole number"));
      boost::json::value rows =
          parts[0] == "chat" ? boost::json::value_from(store_->reader().recent_chat(*limit))
                             : boost::json::value_from(store_->reader().recent_alerts(*limit));
      return respond(api_ok(
          req, http::Status::ok,
          boost::json::object{{parts[0] == "chat" ? "messages" : "alerts", std::move(rows)}}));
    }
    respond(api_error(req, http::Status::not_found, "not_found",
                      "no such API resource: " + target->path));
  } catch (const std::invalid_argument& e) {
    respond(api_error(req, http::Status::bad_request, "bad_query", e.what()));
  }
}

std::string Hub::metrics_text() const {
  std::ostringstream out;
  auto metric = [&](const char* name, const char* type, const char* help) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  };
  metric("soket_connections", "gauge", "Open connections per gateway.");
  out << "soket_connections{gateway=\"tcp\"} " << devices_->connection_count() << "\n";
  out << "soket_connections{gateway=\"chat\"} " << chat_->user_count() << "\n";
  out << "soket_connections{gateway=\"socketio\"} " << io_server_->client_count() << "\n";
  out << "soket_connections{gateway=\"http\"} " << http_->connection_count() << "\n";
  metric("soket_devices_online", "gauge", "Devices online now.");
  out << "soket_devices_online " << registry_.online_count() << "\n";
  metric("soket_messages_in_total", "counter", "Messages received per gateway.");
  out << "soket_messages_in_total{gateway=\"tcp\"} " << counters_.tcp_in << "\n";
  out << "soket_messages_in_total{gateway=\"udp\"} " << counters_.udp_in << "\n";
  out << "soket_messages_in_total{gateway=\"chat\"} " << counters_.chat_in << "\n";
  metric("soket_messages_out_total", "counter", "Lines sent per gateway.");
  out << "soket_messages_out_total{gateway=\"tcp\"} " << counters_.tcp_out << "\n";
  out << "soket_messages_out_total{gateway=\"udp\"} " << counters_.udp_out << "\n";
  metric("soket_device_errors_total", "counter", "Device messages refused (auth, storage).");
  out << "soket_device_errors_total " << counters_.errors << "\n";
  // Limits (docs/limits.md): what they turned away.
  auto web = http_->limit_stats();
  auto sio = io_server_->limit_stats();
  auto dev = devices_->stats();
  auto chat = chat_->stats();
  metric("soket_connections_refused_total", "counter",
         "Connections refused by a connection limit, per listener and limit.");
  auto refused = [&](const char* listener, uint64_t total, uint64_t per_address) {
    out << "soket_connections_refused_total{listener=\"" << listener << "\",limit=\"total\"} "
        << total << "\n";
    out << "soket_connections_refused_total{listener=\"" << listener << "\",limit=\"per_address\"} "
        << per_address << "\n";
  };
  refused("http", web.refused_total, web.refused_per_address);
  refused("tcp", dev.refused, dev.refused_per_address);
  refused("chat", chat.refused, chat.refused_per_address);
  metric("soket_limit_timeouts_total", "counter", "Connections closed by a time limit, per limit.");
  out << "soket_limit_timeouts_total{limit=\"http_header\"} " << web.header_timeouts << "\n";
  out << "soket_limit_timeouts_total{limit=\"socketio_connect\"} " << sio.connect_timeouts << "\n";
  out << "soket_limit_timeouts_total{limit=\"tcp_idle\"} " << dev.idle_timeouts << "\n";
  out << "soket_limit_timeouts_total{limit=\"chat_name\"} " << chat.name_timeouts << "\n";
  out << "soket_limit_timeouts_total{limit=\"chat_idle\"} " << chat.idle_timeouts << "\n";
  metric("soket_limit_too_large_total", "counter",
         "Requests refused by a size limit (HTTP 413/414/431, device lines), per limit.");
  out << "soket_limit_too_large_total{limit=\"http_headers\"} " << web.headers_too_large << "\n";
  out << "soket_limit_too_large_total{limit=\"url\"} " << web.url_too_long << "\n";
  out << "soket_limit_too_large_total{limit=\"http_body\"} " << web.body_too_large << "\n";
  out << "soket_limit_too_large_total{limit=\"tcp_line\"} " << dev.too_long << "\n";
  metric("soket_rate_limited_total", "counter", "Messages dropped by a rate limit, per gateway.");
  out << "soket_rate_limited_total{gateway=\"socketio\"} " << sio.events_dropped << "\n";
  out << "soket_rate_limited_total{gateway=\"tcp\"} " << dev.over_rate << "\n";
  out << "soket_rate_limited_total{gateway=\"udp\"} " << udp_->stats().over_rate << "\n";
  out << "soket_rate_limited_total{gateway=\"chat\"} " << chat.over_rate << "\n";
  metric("soket_devices_refused_total", "counter",
         "Devices not created: [limits.devices] max_devices or new_devices_per_minute.");
  out << "soket_devices_refused_total " << new_devices_.refused() << "\n";
  auto m = store_->writer().metrics();
  metric("soket_store_batches_total", "counter", "Committed write batches.");
  out << "soket_store_batches_total " << m.batches_committed << "\n";
  metric("soket_store_rows_written_total", "counter", "Rows written by committed batches.");
  out << "soket_store_rows_written_total " << m.rows_written << "\n";
  metric("soket_store_batch_latency_seconds", "gauge",
         "Time spent applying and committing write batches.");
  out << "soket_store_batch_latency_seconds{stat=\"last\"} " << m.last_batch_us / 1e6 << "\n";
  out << "soket_store_batch_latency_seconds{stat=\"avg\"} " << m.avg_batch_us / 1e6 << "\n";
  out << "soket_store_batch_latency_seconds{stat=\"max\"} " << m.max_batch_us / 1e6 << "\n";
  metric("soket_store_queue_depth", "gauge", "Write operations waiting for the writer.");
  out << "soket_store_queue_depth " << m.queue_depth << "\n";
  return out.str();
}

}  // namespace soket::hub
