#include "soket/engineio/server.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <chrono>
#include <stdexcept>

#include "soket/engineio/errors.hpp"
#include "soket/engineio/websocket_handshake.hpp"
#include "soket/http/redact.hpp"
#include "soket/http/target.hpp"
#include "soket/util/log.hpp"
#include "soket/util/random_id.hpp"

namespace soket::engineio {
namespace {

constexpr std::string_view kShuttingDown = "Server is shutting down";

// A hook's callback that acts on its first call only (the reference ignores the others).
template <class Callback>
auto first_call_only(Callback callback) {
  return [called = std::make_shared<bool>(false),
          callback = std::move(callback)](auto&&... args) mutable {
    if (std::exchange(*called, true)) return;
    callback(std::forward<decltype(args)>(args)...);
  };
}

}  // namespace

Server::Server(net::asio::io_context& io, ServerOptions options)
    : io_(io), options_(std::move(options)) {
  if (options_.path.empty() || options_.path.back() != '/') options_.path += '/';
  for (const auto& transport : options_.transports) {
    if (transport == "polling") {
      polling_allowed_ = true;
    } else if (transport == "websocket") {
      websocket_allowed_ = true;
    } else {
      throw std::invalid_argument("engineio transports: unknown transport \"" + transport +
                                  "\" (known: polling, websocket)");
    }
  }
  if (!polling_allowed_ && !websocket_allowed_)
    throw std::invalid_argument("engineio transports: the list is empty, no client could connect");
  if (options_.cookie) validate(*options_.cookie);
}

Server::~Server() {
  // Sessions refer back to the server; end them all while it still exists.
  auto sessions = std::move(sessions_);
  for (auto& [id, socket] : sessions)
    socket->on_close("server shutting down", false);
}

void Server::attach(http::Server& http) {
  http.ensure_body_limit(options_.max_payload);
  auto handler = [this](const http::ExchangePtr& e) { handle(e); };
  http.router().add_prefix(options_.path, handler);
  if (!options_.add_trailing_slash && options_.path.size() > 1)
    http.router().add(options_.path.substr(0, options_.path.size() - 1), handler);
}

void Server::respond(const http::ExchangePtr& exchange, http::Response response) const {
  http::apply_cors(options_.cors, exchange->request(), response);
  if (response.result() == http::Status::ok && has_header_hooks()) {
    auto target = http::parse_target(std::string_view(exchange->request().target()));
    EngineRequest request(exchange, target ? std::move(*target) : http::Target{});
    run_header_hooks(request, exchange->response_headers());
  }
  exchange->respond(std::move(response));
}

void Server::run_header_hooks(const EngineRequest& request, http::HeaderList& headers) const {
  if (!request.query("sid")) {
    for (const auto& handler : initial_headers_handlers_)
      handler(headers, request);
  }
  for (const auto& handler : headers_handlers_)
    handler(headers, request);
}

void Server::resume(const http::ExchangePtr& exchange, std::function<void()> then) {
  // Always a later turn of the loop, also for an answer given at once: what follows (the session,
  // the application's handlers) then runs outside the hook's own call and its exception handling.
  boost::asio::post(io_, [alive = std::weak_ptr<char>(alive_), exchange, then = std::move(then)] {
    if (alive.expired() || exchange->finished()) return;
    then();
  });
}

void Server::refuse(const EngineRequest& request, ErrorCode code, boost::json::object context,
                    std::optional<http::Status> status, std::string_view message) {
  log::debug(log::Layer::engineio, "refused {} {}: code {} {}", request.method(),
             http::Redacted{request.url()}, static_cast<int>(code),
             message.empty() ? error_message(code) : message);
  if (!connection_error_handlers_.empty()) {
    ConnectionError error{request, code, error_message(code), std::move(context)};
    for (const auto& handler : connection_error_handlers_)
      handler(error);
  }
  if (!status) {
    status = code == ErrorCode::forbidden ? http::Status::forbidden : http::Status::bad_request;
  }
  respond(request.exchange(), http::json_error(request.http(), *status, static_cast<int>(code),
                                               message.empty() ? error_message(code) : message));
}

// Stage 1: CORS, as the reference's cors middleware, which runs before any other.
void Server::handle(const http::ExchangePtr& exchange) {
  if (options_.cors.enabled && options_.cors.origin_function) {
    std::string_view origin = http::request_origin(exchange->request());
    if (!origin.empty()) return decide_origin(exchange, std::string(origin));
  }
  after_cors(exchange);
}

void Server::decide_origin(const http::ExchangePtr& exchange, std::string origin) {
  auto fail = [this, exchange](std::string why) {
    auto target = http::parse_target(std::string_view(exchange->request().target()));
    EngineRequest request(exchange, target ? std::move(*target) : http::Target{});
    refuse(request, ErrorCode::bad_request, {{"name", "MIDDLEWARE_FAILURE"}, {"error", why}});
  };
  auto done = first_call_only(
      [this, exchange, origin, fail](std::optional<std::string> error, bool allowed) {
        resume(exchange, [this, exchange, origin, fail, error = std::move(error), allowed] {
          if (error) return fail("cors origin function: " + *error);
          http::decided_cors_headers(options_.cors, origin, allowed, exchange->response_headers());
          after_cors(exchange);
        });
      });
  try {
    options_.cors.origin_function(origin, done);
  } catch (const std::exception& e) {
    done(std::string(e.what()), false);
  } catch (...) {
    done(std::string("exception"), false);
  }
}

// Stage 2: preflights are answered; every other request goes through the middlewares.
void Server::after_cors(const http::ExchangePtr& exchange) {
  const auto& req = exchange->request();
  if (req.method() == http::Verb::options)
    return exchange->respond(http::preflight_response(options_.cors, req));
  auto target = http::parse_target(std::string_view(req.target()));
  if (!target) {
    return refuse(EngineRequest(exchange, http::Target{}), ErrorCode::bad_request,
                  {{"name", "INVALID_URL"}});
  }
  run_middlewares(EngineRequest(exchange, std::move(*target)), 0);
}

void Server::run_middlewares(EngineRequest request, std::size_t index) {
  if (index == middlewares_.size()) return verify(std::move(request));
  auto held = std::make_shared<EngineRequest>(std::move(request));
  auto next = first_call_only([this, held, index](std::optional<MiddlewareError> error) {
    resume(held->exchange(), [this, held, index, error = std::move(error)] {
      if (!error) return run_middlewares(std::move(*held), index + 1);
      refuse(*held, ErrorCode::bad_request,
             {{"name", "MIDDLEWARE_FAILURE"},
              {"status", static_cast<int>(error->status)},
              {"message", error->message}},
             error->status, error->message);
    });
  });
  try {
    middlewares_[index](*held, next);
  } catch (...) {
    next(MiddlewareError{http::Status::bad_request, {}});
  }
}

// Stage 3: the reference's checks, in its order.
void Server::verify(EngineRequest request) {
  const auto& req = request.http();
  const std::string* sid = request.query("sid");
  if (closed_ && !sid) {
    return refuse(request, ErrorCode::bad_request, {{"name", "SERVER_CLOSED"}},
                  http::Status::service_unavailable, kShuttingDown);
  }
  const std::string* transport = request.query("transport");
  bool polling = transport && *transport == "polling" && polling_allowed_;
  bool websocket = transport && *transport == "websocket" && websocket_allowed_;
  if (!polling && !websocket) {
    return refuse(request, ErrorCode::unknown_transport,
                  {{"transport", transport ? boost::json::value(*transport) : nullptr}});
  }

  // As the reference does, anything but EIO=4 is the third revision, served only when allowed.
  const std::string* eio = request.query("EIO");
  int protocol = eio && *eio == "4" ? 4 : 3;
  if (protocol == 3 && !options_.allow_eio3)
    return refuse(request, ErrorCode::unsupported_protocol_version, {{"protocol", protocol}});

  if (websocket != request.is_upgrade()) {
    return refuse(request, ErrorCode::bad_request,
                  {{"name", sid ? "TRANSPORT_MISMATCH" : "TRANSPORT_HANDSHAKE_ERROR"}});
  }
  if (websocket) {
    if (auto error = websocket_upgrade_error(req)) {
      return refuse(request, ErrorCode::bad_request,
                    {{"name", "BAD_WEBSOCKET_HANDSHAKE"}, {"error", *error}});
    }
  }

  if (!sid) {
    if (!websocket && req.method() != http::Verb::get) {
      return refuse(request, ErrorCode::bad_handshake_method,
                    {{"method", std::string(req.method_string())}});
    }
    return allow_then_open(std::move(request), websocket, protocol);
  }

  auto it = sessions_.find(*sid);
  if (it == sessions_.end()) return refuse(request, ErrorCode::unknown_sid, {{"sid", *sid}});
  std::shared_ptr<Socket> session = it->second;
  if (session->protocol() != protocol) {
    return refuse(request, ErrorCode::bad_request,
                  {{"name", "PROTOCOL_MISMATCH"},
                   {"protocol", protocol},
                   {"previousProtocol", session->protocol()}});
  }
  if (!websocket && session->transport_name() != "polling") {
    return refuse(request, ErrorCode::bad_request,
                  {{"name", "TRANSPORT_MISMATCH"},
                   {"transport", "polling"},
                   {"previousTransport", session->transport_name()}});
  }

  if (websocket) {
    // As the reference does, a second WebSocket for a session that is upgrading or upgraded is
    // accepted and then closed at once.
    return accept_websocket(request, [session](std::shared_ptr<WebSocketTransport> ws) {
      if (session->can_upgrade()) {
        session->begin_upgrade(std::move(ws));
      } else {
        ws->close();
      }
    });
  }
  if (req.method() == http::Verb::get) return session->on_poll(request.exchange());
  if (req.method() == http::Verb::post) return session->on_post(request.exchange());
  refuse(request, ErrorCode::bad_request, {{"method", std::string(req.method_string())}});
}

// Stage 4: allow_request decides whether the handshake opens a session.
void Server::allow_then_open(EngineRequest request, bool websocket, int protocol) {
  if (!options_.allow_request) return open_session(std::move(request), websocket, protocol);
  auto held = std::make_shared<EngineRequest>(std::move(request));
  auto done = first_call_only([this, held, websocket, protocol](bool allowed, std::string message) {
    resume(held->exchange(),
           [this, held, websocket, protocol, allowed, message = std::move(message)] {
             if (!allowed) {
               return refuse(*held, ErrorCode::forbidden,
                             {{"message", message.empty() ? boost::json::value(nullptr)
                                                          : boost::json::value(message)}},
                             http::Status::forbidden, message);
             }
             if (closed_) {
               return refuse(*held, ErrorCode::bad_request, {{"name", "SERVER_CLOSED"}},
                             http::Status::service_unavailable, kShuttingDown);
             }
             open_session(std::move(*held), websocket, protocol);
           });
  });
  try {
    options_.allow_request(*held, done);
  } catch (...) {
    done(false, std::string());
  }
}

std::string Server::new_session_id(const EngineRequest& request) {
  if (!options_.generate_id) {
    std::string id = random_id();
    while (sessions_.contains(id))
      id = random_id();
    return id;
  }
  std::string id;
  std::string problem;
  try {
    id = options_.generate_id(request);
    if (id.empty()) {
      problem = "generate_id returned an empty id";
    } else if (sessions_.contains(id)) {
      problem = "generate_id returned the id of an open session";
    }
  } catch (const std::exception& e) {
    problem = std::string("generate_id threw: ") + e.what();
  } catch (...) {
    problem = "generate_id threw";
  }
  if (problem.empty()) return id;
  refuse(request, ErrorCode::bad_request, {{"name", "ID_GENERATION_ERROR"}, {"error", problem}});
  return {};
}

void Server::open_session(EngineRequest request, bool websocket, int protocol) {
  std::string id = new_session_id(request);
  if (id.empty()) return;
  auto socket = std::make_shared<Socket>(*this, id, make_handshake(request), protocol);
  log::debug(log::Layer::engineio, "handshake {} over {} (EIO={}) from {}", id,
             websocket ? "websocket" : "polling", protocol, socket->handshake().address);
  if (!websocket) {
    if (options_.cookie)
      request.response_headers().emplace_back("Set-Cookie", serialize_cookie(*options_.cookie, id));
    sessions_.emplace(socket->id(), socket);
    socket->start_polling(request.exchange(), open_packet(id, false));
    if (options_.initial_packet) socket->send(Frame::message(*options_.initial_packet));
    if (on_connection_) on_connection_(socket);
    return;
  }
  accept_websocket(request, [this, socket](std::shared_ptr<WebSocketTransport> ws) {
    // The server closed, or a custom id was taken, while the WebSocket handshake went on.
    if (closed_ || !sessions_.emplace(socket->id(), socket).second) return ws->close();
    socket->start_websocket(std::move(ws), open_packet(socket->id(), true));
    if (options_.initial_packet) socket->send(Frame::message(*options_.initial_packet));
    if (on_connection_) on_connection_(socket);
  });
}

void Server::accept_websocket(const EngineRequest& request,
                              std::function<void(std::shared_ptr<WebSocketTransport>)> then) {
  auto& headers = request.exchange()->response_headers();
  run_header_hooks(request, headers);
  WebSocketTransport::Limits limits{options_.max_payload, options_.max_buffered_bytes};
  const auto& exchange = request.exchange();
  auto lease = exchange->lease();
  WebSocketTransport::accept(
      exchange->release_stream(), exchange->request(), limits, options_.per_message_deflate,
      [lease = std::move(lease), then = std::move(then)](
          net::error_code ec, std::shared_ptr<WebSocketTransport> ws) mutable {
        if (ec) {
          log::debug(log::Layer::engineio, "WebSocket handshake failed: {}", ec.message());
          return;
        }
        ws->hold(std::move(lease));
        then(std::move(ws));
      },
      headers);
}

std::string Server::open_packet(const std::string& sid, bool websocket) const {
  boost::json::object o;
  o["sid"] = sid;
  boost::json::array upgrades;
  if (!websocket && websocket_allowed_ && options_.allow_upgrades) upgrades.push_back("websocket");
  o["upgrades"] = std::move(upgrades);
  o["pingInterval"] = options_.ping_interval.count();
  o["pingTimeout"] = options_.ping_timeout.count();
  o["maxPayload"] = options_.max_payload;
  std::string packet = "0";
  packet += boost::json::serialize(o);
  return packet;
}

Handshake Server::make_handshake(const EngineRequest& request) const {
  Handshake h;
  const auto& req = request.http();
  // Each list is sized first and filled with one allocation: it is kept for the whole session.
  std::size_t count = 0;
  std::size_t text = 0;
  for (const auto& [name, value] : request.target().query) {
    ++count;
    text += name.size() + value.size();
  }
  h.query.reserve(count, text);
  for (const auto& [name, value] : request.target().query)
    h.query.add(name, value);
  count = text = 0;
  for (const auto& field : req) {
    ++count;
    text += field.name_string().size() + field.value().size();
  }
  h.headers.reserve(count, text);
  std::string name;
  for (const auto& field : req) {
    name.assign(field.name_string());
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    h.headers.add(name, field.value());
  }
  h.address = request.address();
  h.url = std::string(req.target());
  h.secure = request.secure();
  h.xdomain = req.find(http::Field::origin) != req.end();
  h.issued_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  return h;
}

void Server::remove(const std::string& id) {
  sessions_.erase(id);
}

void Server::close(std::string_view reason) {
  closed_ = true;
  std::vector<std::shared_ptr<Socket>> sessions;
  for (auto& [id, socket] : sessions_)
    sessions.push_back(socket);
  for (auto& socket : sessions)
    socket->close(reason);
}

}  // namespace soket::engineio
