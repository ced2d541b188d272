#pragma once

#include <functional>
#include <memory>

#include "soket/http/stream.hpp"
#include "soket/http/types.hpp"

namespace soket::http {

class Connection;

/// One request and the means to answer it, possibly later (long-polling holds the response until
/// there is something to send). Answer exactly once with respond(), or take the socket with
/// release_stream() to upgrade to WebSocket.
class Exchange {
 public:
  /// One request of `connection` from `remote`, to answer once.
  Exchange(std::shared_ptr<Connection> connection, Request request, net::tcp::endpoint remote,
           bool secure);

  /// The request.
  Request& request() { return request_; }
  /// The request.
  const Request& request() const { return request_; }
  /// The client's address and port.
  const net::tcp::endpoint& remote_endpoint() const { return remote_; }
  /// The request came over TLS (https:// or wss://).
  bool secure() const { return secure_; }
  /// Whether it asks for a WebSocket upgrade.
  bool is_websocket_upgrade() const;
  /// Whether it was answered.
  bool finished() const { return finished_; }

  /// Sends the response (once); later calls, and calls after the client went away, do nothing.
  /// The response_headers() go with it, except those it sets itself (Set-Cookie always goes, and
  /// Vary values are joined).
  void respond(Response response);

  /// Headers for the response this request will get, set before it is made (Node's
  /// res.setHeader() in a middleware); a WebSocket upgrade puts them in its 101.
  HeaderList& response_headers() { return response_headers_; }

  /// Takes the stream (TCP, or TLS on a TLS port) out of the HTTP connection, which then ends.
  /// For WebSocket upgrades.
  AnyStream release_stream();
  /// The connection's place under the server's connection limits (null without limits): whoever
  /// takes the stream keeps it as long as the stream lives. Ask before release_stream().
  std::shared_ptr<void> lease() const;

  /// Called if the client closes the connection before a response was sent.
  void on_abort(std::function<void()> callback) { on_abort_ = std::move(callback); }

 private:
  friend class Connection;
  void aborted();

  std::shared_ptr<Connection> connection_;
  Request request_;
  net::tcp::endpoint remote_;
  bool secure_ = false;
  bool finished_ = false;
  std::function<void()> on_abort_;
  HeaderList response_headers_;
};

/// Shared ownership of an exchange: a handler may keep it to answer later.
using ExchangePtr = std::shared_ptr<Exchange>;
/// A route's handler: gets the exchange of a request and answers it, now or later.
using Handler = std::function<void(const ExchangePtr&)>;

}  // namespace soket::http
