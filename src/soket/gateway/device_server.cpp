#include "soket/gateway/device_server.hpp"

#include "soket/gateway/text_check.hpp"
#include "soket/util/log.hpp"

namespace soket::gateway {

DeviceServer::DeviceServer(net::asio::io_context& io, DeviceServerOptions options,
                           Handlers handlers)
    : handlers_(std::move(handlers)),
      server_(io, options.line, options.max_connections, "ERR too many connections\n", *this) {}

DeviceServer::Stats DeviceServer::stats() const {
  return {server_.accepted_count(), server_.refused_count(), messages_, errors_};
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
  reject(conn, "line too long");
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
