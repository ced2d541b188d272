#include "soket/engineio/server.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <chrono>

#include "soket/engineio/errors.hpp"
#include "soket/http/target.hpp"
#include "soket/util/log.hpp"
#include "soket/util/random_id.hpp"

namespace soket::engineio {

Server::Server(net::asio::io_context& io, ServerOptions options)
    : io_(io), options_(std::move(options)) {
  if (options_.path.empty() || options_.path.back() != '/') options_.path += '/';
}

Server::~Server() {
  // Sessions refer back to the server; end them all while it still exists.
  auto sessions = std::move(sessions_);
  for (auto& [id, socket] : sessions)
    socket->on_close("server shutting down", false);
}

void Server::attach(http::Server& http) {
  http.ensure_body_limit(options_.max_payload);
  http.router().add_prefix(options_.path, [this](const http::ExchangePtr& e) { handle(e); });
}

void Server::respond(const http::ExchangePtr& exchange, http::Response response) const {
  http::apply_cors(options_.cors, exchange->request(), response);
  exchange->respond(std::move(response));
}

void Server::handle(const http::ExchangePtr& exchange) {
  const auto& req = exchange->request();
  auto fail = [&](ErrorCode code) {
    log::debug(log::Layer::engineio, "refused {} {}: code {} {}",
               std::string_view(req.method_string()), std::string_view(req.target()),
               static_cast<int>(code), error_message(code));
    respond(exchange, error_response(req, code));
  };

  if (req.method() == http::Verb::options) {
    return exchange->respond(http::preflight_response(options_.cors, req));
  }
  auto target = http::parse_target(std::string_view(req.target()));
  if (!target) return fail(ErrorCode::bad_request);

  const std::string* transport = target->param("transport");
  bool polling = transport && *transport == "polling" && options_.allow_polling;
  bool websocket = transport && *transport == "websocket" && options_.allow_websocket;
  if (!polling && !websocket) return fail(ErrorCode::unknown_transport);

  // As the reference does, anything but EIO=4 is the third revision, served only when allowed.
  const std::string* eio = target->param("EIO");
  int protocol = eio && *eio == "4" ? 4 : 3;
  if (protocol == 3 && !options_.allow_eio3) return fail(ErrorCode::unsupported_protocol_version);

  bool upgrade_request = exchange->is_websocket_upgrade();
  if (websocket != upgrade_request) return fail(ErrorCode::bad_request);

  const std::string* sid = target->param("sid");
  if (!sid) {
    if (!websocket && req.method() != http::Verb::get) return fail(ErrorCode::bad_handshake_method);
    return open_session(exchange, websocket, *target, protocol);
  }

  auto it = sessions_.find(*sid);
  if (it == sessions_.end()) return fail(ErrorCode::unknown_sid);
  std::shared_ptr<Socket> session = it->second;

  if (websocket) {
    // As the reference does, a second WebSocket for a session that is upgrading or upgraded is
    // accepted and then closed at once.
    return accept_websocket(exchange, [session](std::shared_ptr<WebSocketTransport> ws) {
      if (session->can_upgrade()) {
        session->begin_upgrade(std::move(ws));
      } else {
        ws->close();
      }
    });
  }
  if (req.method() == http::Verb::get) return session->on_poll(exchange);
  if (req.method() == http::Verb::post) return session->on_post(exchange);
  fail(ErrorCode::bad_request);
}

void Server::open_session(const http::ExchangePtr& exchange, bool websocket,
                          const http::Target& target, int protocol) {
  std::string id = random_id();
  while (sessions_.contains(id))
    id = random_id();
  auto socket = std::make_shared<Socket>(*this, id, make_handshake(*exchange, target), protocol);
  log::debug(log::Layer::engineio, "handshake {} over {} (EIO={}) from {}", id,
             websocket ? "websocket" : "polling", protocol, socket->handshake().address);
  if (!websocket) {
    sessions_.emplace(id, socket);
    socket->start_polling(exchange, open_packet(id, false));
    if (on_connection_) on_connection_(socket);
    return;
  }
  accept_websocket(exchange, [this, socket](std::shared_ptr<WebSocketTransport> ws) {
    sessions_.emplace(socket->id(), socket);
    socket->start_websocket(std::move(ws), open_packet(socket->id(), true));
    if (on_connection_) on_connection_(socket);
  });
}

void Server::accept_websocket(const http::ExchangePtr& exchange,
                              std::function<void(std::shared_ptr<WebSocketTransport>)> then) {
  WebSocketTransport::Limits limits{options_.max_payload, options_.max_buffered_bytes};
  // The exchange holds the request, which must outlive the handshake.
  WebSocketTransport::accept(exchange->release_stream(), exchange->request(), limits,
                             [exchange, then = std::move(then)](
                                 net::error_code ec, std::shared_ptr<WebSocketTransport> ws) {
                               if (ec) {
                                 log::debug(log::Layer::engineio, "WebSocket handshake failed: {}",
                                            ec.message());
                                 return;
                               }
                               then(std::move(ws));
                             });
}

std::string Server::open_packet(const std::string& sid, bool websocket) const {
  boost::json::object o;
  o["sid"] = sid;
  boost::json::array upgrades;
  if (!websocket && options_.allow_websocket && options_.allow_upgrades)
    upgrades.push_back("websocket");
  o["upgrades"] = std::move(upgrades);
  o["pingInterval"] = options_.ping_interval.count();
  o["pingTimeout"] = options_.ping_timeout.count();
  o["maxPayload"] = options_.max_payload;
  std::string packet = "0";
  packet += boost::json::serialize(o);
  return packet;
}

Handshake Server::make_handshake(const http::Exchange& exchange, const http::Target& target) const {
  Handshake h;
  const auto& req = exchange.request();
  for (const auto& [name, value] : target.query)
    h.query.add(name, value);
  h.query.shrink_to_fit();
  std::string name;
  for (const auto& field : req) {
    name.assign(field.name_string());
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    h.headers.add(name, field.value());
  }
  h.headers.shrink_to_fit();
  h.address = exchange.remote_endpoint().address().to_string();
  h.url = std::string(req.target());
  h.secure = exchange.secure();
  h.issued_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  return h;
}

void Server::remove(const std::string& id) {
  sessions_.erase(id);
}

void Server::close(std::string_view reason) {
  std::vector<std::shared_ptr<Socket>> sessions;
  for (auto& [id, socket] : sessions_)
    sessions.push_back(socket);
  for (auto& socket : sessions)
    socket->close(reason);
}

}  // namespace soket::engineio
