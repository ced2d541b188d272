#include "soket/gateway/device_server.hpp"

#include "soket/gateway/text_check.hpp"
#include "soket/util/log.hpp"

namespace soket::gateway {

DeviceServer::DeviceServer(net::asio::io_context& io, DeviceServerOptions options,
                           Handlers handlers)
    : handlers_(std::move(handlers)),
      lines_per_second_(options.line.lines_per_second),
      server_(io, options.line,
              net::ConnectionLimits{options.max_connections, options.max_connections_per_address},
              "ERR too many connections\n", "devices", *this) {}

DeviceServer::Stats DeviceServer::stats() const {
  auto refused = server_.refused_stats();
  Stats stats;
  stats.accepted = server_.accepted_count();
  stats.refused = refused.refused_total;
  stats.refused_per_address = refused.refused_per_address;
  stats.messages = messages_;
  stats.errors = errors_;
  stats.over_rate = over_rate_;
  stats.too_long = too_long_;
  stats.idle_timeouts = server_.idle_timeout_count();
  return stats;
}

void DeviceServer::on_open(const LineConnectionPtr& conn) {
  spdlog::debug("device connection {} from {}", conn->id(), conn->remote_string());
  if (handlers_.on_open) handlers_.on_open(conn);
}

void DeviceServer::on_line(const LineConnectionPtr& conn, std::string_view text, LineEnd) {
  if (trim_blanks(text).empty()) return;  // blank lines (telnet, keep-alive newlines)
  auto parsed = parse_device_message(text);
  if (!parsed.ok()) {
    reject(conn, parsed.error);
    return;
  }
  ++messages_;
  if (handlers_.on_message) handlers_.on_message(conn, parsed.message);
}

void DeviceServer::on_line_too_long(const LineConnectionPtr& conn) {
  ++too_long_;
  reject(conn, "line too long");
}

void DeviceServer::on_line_over_rate(const LineConnectionPtr& conn) {
  ++over_rate_;
  if (uint64_t count = rate_log_.ready()) {
    spdlog::warn(
        "devices: dropped {} message(s) since the last such line, over the limit of {} a "
        "second per connection (the last from {})",
        count, lines_per_second_, conn->remote_string());
  }
  reject(conn, "rate limit");
}

void DeviceServer::on_close(const LineConnectionPtr& conn, CloseReason reason) {
  spdlog::debug("device connection {} from {} ended: {}", conn->id(), conn->remote_string(),
                to_string(reason));
  if (handlers_.on_close) handlers_.on_close(conn, reason);
}

void DeviceServer::reject(const LineConnectionPtr& conn, std::string_view reason) {
  ++errors_;
  if (handlers_.on_invalid) return handlers_.on_invalid(conn, reason);
  conn->send_line("ERR " + std::string(reason));
  if (handlers_.on_error) handlers_.on_error(conn, reason);
}

}  // namespace soket::gateway
