#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "soket/http/exchange.hpp"
#include "soket/http/target.hpp"

namespace soket::engineio {

/// One HTTP request to the Engine.IO path as the server's hooks see it (Node's `req` in
/// allowRequest, generateId, engine.use() and the engine's events): the request line, headers,
/// query and peer, and the headers its response will carry.
class EngineRequest {
 public:
  /// The handshake or transport request `exchange`, for `target`.
  EngineRequest(http::ExchangePtr exchange, http::Target target)
      : exchange_(std::move(exchange)), target_(std::move(target)) {}

  /// The HTTP request.
  const http::Request& http() const { return exchange_->request(); }
  /// GET, POST, ...
  std::string_view method() const { return http().method_string(); }
  /// The request target as sent ("/socket.io/?EIO=4&transport=polling").
  std::string_view url() const { return http().target(); }
  /// The parsed request target (path and query).
  const http::Target& target() const { return target_; }
  /// The decoded query parameter `name`, or nullptr.
  const std::string* query(const std::string& name) const { return target_.param(name); }
  /// The value of header `name` (any case), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const {
    auto it = http().find(name);
    if (it == http().end()) return std::nullopt;
    return std::string_view(it->value());
  }
  /// The client's IP address.
  std::string address() const { return exchange_->remote_endpoint().address().to_string(); }
  /// Whether it came over TLS.
  bool secure() const { return exchange_->secure(); }
  /// A WebSocket upgrade (else a long-polling request).
  bool is_upgrade() const { return exchange_->is_websocket_upgrade(); }
  /// Headers the response will carry (Node's res.setHeader()); middlewares may add to them.
  http::HeaderList& response_headers() { return exchange_->response_headers(); }
  /// The HTTP exchange, to answer it.
  const http::ExchangePtr& exchange() const { return exchange_; }

 private:
  http::ExchangePtr exchange_;
  http::Target target_;
};

}  // namespace soket::engineio
