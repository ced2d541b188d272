#include "soket/http/exchange.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

#include "soket/http/connection.hpp"
#include "soket/util/ascii.hpp"

namespace soket::http {

Exchange::Exchange(std::shared_ptr<Connection> connection, Request request,
                   net::tcp::endpoint remote, bool secure)
    : connection_(std::move(connection)),
      request_(std::move(request)),
      remote_(std::move(remote)),
      secure_(secure) {}

bool Exchange::is_websocket_upgrade() const {
  return beast::websocket::is_upgrade(request_);
}

void Exchange::respond(Response response) {
  if (finished_) return;
  finished_ = true;
  on_abort_ = nullptr;
  for (auto& [name, value] : response_headers_) {
    auto existing = response.find(name);
    if (existing == response.end() || iequals_ascii(name, "set-cookie")) {
      response.insert(name, value);
    } else if (iequals_ascii(name, "vary")) {
      response.set(name, std::string(existing->value()) + ", " + value);
    }
  }
  auto connection = std::move(connection_);
  if (connection) connection->send(std::move(response));
}

std::shared_ptr<void> Exchange::lease() const {
  return connection_ ? connection_->lease() : nullptr;
}

AnyStream Exchange::release_stream() {
  finished_ = true;
  on_abort_ = nullptr;
  auto connection = std::move(connection_);
  return connection->release();
}

void Exchange::aborted() {
  if (finished_) return;
  finished_ = true;
  connection_.reset();
  if (auto callback = std::move(on_abort_)) callback();
}

}  // namespace soket::http
