#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "soket/engineio/errors.hpp"
#include "soket/engineio/request.hpp"

namespace soket::engineio {

/// The answer of allow_request: done(true, {}) lets the handshake go on; done(false, message)
/// refuses it with HTTP 403 and {"code":4,"message":message} ("Forbidden" when empty).
using AllowRequestCallback = std::function<void(bool allowed, std::string message)>;
/// Node's allowRequest: decides whether a handshake (a polling GET or a WebSocket upgrade without
/// sid) may open a session, now or later (a later answer is posted to the server's thread).
using AllowRequest = std::function<void(const EngineRequest& request, AllowRequestCallback done)>;

/// Node's generateId: the id of a new session (its sid, also the Socket.IO v4 socket id of EIO3
/// clients). It must be non-empty and not in use by an open session, else the handshake is
/// refused with 400 {"code":3,"message":"Bad request"} (connection_error ID_GENERATION_ERROR);
/// an exception it throws does the same.
using GenerateId = std::function<std::string(const EngineRequest& request)>;

/// How a middleware refuses a request: this status and {"code":3,"message":message} ("Bad
/// request" when empty).
struct MiddlewareError {
  /// The HTTP status of the refusal.
  http::Status status = http::Status::bad_request;
  /// The message sent with it.
  std::string message;
};
/// next(std::nullopt) goes on to the next middleware (then the engine), next(error) refuses.
using MiddlewareNext = std::function<void(std::optional<MiddlewareError> error)>;
/// Node's engine.use(): runs on every Engine.IO HTTP request (polling and WebSocket upgrade) before
/// the engine handles it; may add response headers. An exception it throws refuses with a 400.
using Middleware = std::function<void(EngineRequest& request, MiddlewareNext next)>;

/// Node's initial_headers / headers events: the handler may add, change or remove headers of the
/// response (the handshake's, or every successful polling response and WebSocket 101).
using HeadersHandler = std::function<void(http::HeaderList& headers, const EngineRequest& request)>;

/// Node's connection_error event: a request the engine refused.
struct ConnectionError {
  /// The request refused.
  const EngineRequest& request;
  /// Why (Engine.IO error code).
  ErrorCode code;
  std::string_view message;     ///< the reference's message of `code`
  boost::json::object context;  ///< what was wrong, as in the reference ({"sid":...}, {"name":...})
};
/// Called for each request the engine refused (Node's "connection_error" event).
using ConnectionErrorHandler = std::function<void(const ConnectionError& error)>;

}  // namespace soket::engineio
