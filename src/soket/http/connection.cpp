#include "soket/http/connection.hpp"

#include <algorithm>
#include <array>

#include "soket/http/redact.hpp"
#include "soket/http/response_head.hpp"
#include "soket/http/server.hpp"
#include "soket/util/log.hpp"

namespace soket::http {

namespace {

// The answer to plain HTTP on a TLS port (Node would just drop such a connection).
constexpr std::string_view kPlainHttpOnTlsPort =
    R"({"error":"this port speaks TLS: use https:// or wss://"})";
// How long a refused plain-HTTP client may go on sending before the connection is dropped.
constexpr auto kDrainTime = std::chrono::seconds(2);
// The most a connection keeps of the buffer its last answer's head was written from.
constexpr std::size_t kKeptHeadCapacity = 4096;

// The client's address in a debug line, formatted only when the line is written (to_string() at
// every call was ~1 % of a long-polling server's time with debug lines off).
struct Peer {
  const net::tcp::endpoint& endpoint;
};

bool is_quiet_end(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::asio::error::eof ||
         ec == beast::error::timeout || ec == net::asio::error::connection_reset ||
         ec == net::asio::error::operation_aborted || ec == net::ssl::error::stream_truncated;
}

}  // namespace
}  // namespace soket::http

template <>
struct fmt::formatter<soket::http::Peer> : fmt::formatter<std::string_view> {
  auto format(const soket::http::Peer& peer, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(peer.endpoint.address().to_string(), ctx);
  }
};

namespace soket::http {

void Connection::aborted() {
  if (current_ && !current_->finished_) current_->aborted();
}

template <class Stream>
Stream BasicConnection<Stream>::make_stream(net::TcpSocket socket, net::ssl::context* context) {
  if constexpr (kTls) {
    return Stream(std::move(socket), *context);
  } else {
    (void)context;
    return Stream(std::move(socket));
  }
}

template <class Stream>
BasicConnection<Stream>::BasicConnection(net::TcpSocket socket, std::shared_ptr<Server> server,
                                         std::shared_ptr<net::ssl::context> context)
    : context_(std::move(context)),
      stream_(make_stream(std::move(socket), context_.get())),
      server_(std::move(server)) {
  net::error_code ec;
  remote_ = tcp().socket().remote_endpoint(ec);
  server_->connections_.insert(this);
  log::debug(log::Layer::http, "{} connection from {}", kTls ? "TLS" : "plain", Peer{remote_});
}

template <class Stream>
BasicConnection<Stream>::BasicConnection(PlainStream stream, beast::flat_buffer buffer,
                                         std::shared_ptr<Server> server,
                                         HandBack hand_back) requires(!kTls)
    : stream_(std::move(stream)),
      server_(std::move(server)),
      buffer_(std::move(buffer)),
      hand_back_(std::move(hand_back)) {
  net::error_code ec;
  remote_ = tcp().socket().remote_endpoint(ec);
  server_->connections_.insert(this);
  log::debug(log::Layer::http, "connection from {} (adopted)", Peer{remote_});
}

template <class Stream>
void BasicConnection<Stream>::start_with(Request request) {
  tcp().expires_never();
  dispatch(std::move(request));
}

template <class Stream>
BasicConnection<Stream>::~BasicConnection() {
  server_->connections_.erase(this);
}

template <class Stream>
void BasicConnection<Stream>::start() {
  if constexpr (kTls) {
    read_client_hello();
  } else {
    read_request();
  }
}

template <class Stream>
void BasicConnection<Stream>::close() {
  if (closed_ || released_) return;
  closed_ = true;
  net::error_code ignored;
  tcp().socket().shutdown(net::tcp::socket::shutdown_both, ignored);
  tcp().close();
  aborted();
}

// TLS: the first bytes are read as they are, so that a client speaking plain HTTP to this port
// can be told so; a ClientHello then goes on into the handshake.
template <class Stream>
void BasicConnection<Stream>::read_client_hello() {
  tcp().expires_after(server_->options().request_timeout);
  tcp().async_read_some(buffer_.prepare(2048),
                        [self = std::static_pointer_cast<BasicConnection>(shared_from_this())](
                            beast::error_code ec, std::size_t n) { self->on_client_hello(ec, n); });
}

template <class Stream>
void BasicConnection<Stream>::on_client_hello(beast::error_code ec, std::size_t n) {
  if constexpr (kTls) {
    if (closed_) return;
    if (ec) return close();
    buffer_.commit(n);
    auto first = static_cast<const unsigned char*>(buffer_.data().data())[0];
    if (first != net::kTlsHandshakeRecord) return refuse_plain_http();
    // Variadic: Beast 1.81 checks this handler against void(error_code) though it is called with
    // (error_code, bytes used).
    stream_.async_handshake(net::ssl::stream_base::server, buffer_.data(),
                            [self = std::static_pointer_cast<BasicConnection>(shared_from_this())](
                                beast::error_code ec, auto... bytes_used) {
                              std::size_t used = (std::size_t{0} + ... + bytes_used);
                              if (self->closed_) return;
                              if (ec) {
                                log::debug(log::Layer::http, "{}: TLS handshake failed: {}",
                                           Peer{self->remote_}, ec.message());
                                return self->close();
                              }
                              self->buffer_.consume(used);
                              self->read_request();
                            });
  } else {
    (void)ec;
    (void)n;
  }
}

template <class Stream>
void BasicConnection<Stream>::refuse_plain_http() {
  log::debug(log::Layer::http, "{}: plain HTTP on the TLS port", Peer{remote_});
  auto response = std::make_shared<Response>(Status::bad_request, 11);
  response->set(Field::server, server_->options().server_name);
  response->set(Field::content_type, "application/json");
  response->keep_alive(false);
  response->body() = kPlainHttpOnTlsPort;
  response->prepare_payload();
  tcp().expires_after(server_->options().request_timeout);
  bhttp::async_write(tcp(), *response,
                     [self = std::static_pointer_cast<BasicConnection>(shared_from_this()),
                      response](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->drain_then_close();
                     });
}

// Closing with unread bytes would reset the connection and could destroy the answer before the
// client reads it: say we are done, read what the client still sends, then close.
template <class Stream>
void BasicConnection<Stream>::drain_then_close() {
  if (closed_) return;
  if (!std::exchange(draining_, true)) {
    net::error_code ignored;
    tcp().socket().shutdown(net::tcp::socket::shutdown_send, ignored);
    tcp().expires_after(kDrainTime);
  }
  buffer_.clear();
  tcp().async_read_some(buffer_.prepare(4096),
                        [self = std::static_pointer_cast<BasicConnection>(shared_from_this())](
                            beast::error_code ec, std::size_t) {
                          if (ec) return self->close();
                          self->drain_then_close();
                        });
}

template <class Stream>
void BasicConnection<Stream>::read_request() {
  if (closed_) return;
  const ServerOptions& options = server_->options();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options.header_limit));
  parser_->body_limit(options.body_limit);
  auto header_timeout =
      options.header_timeout.count() > 0 ? options.header_timeout : options.request_timeout;
  tcp().expires_after(std::min(header_timeout, options.request_timeout));
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = std::static_pointer_cast<BasicConnection>(shared_from_this())](
                               beast::error_code ec, std::size_t) { self->on_read_header(ec); });
}

template <class Stream>
void BasicConnection<Stream>::on_read_header(beast::error_code ec) {
  if (closed_) return;
  if (read_failed(ec, true)) return;
  const ServerOptions& options = server_->options();
  const auto& request = parser_->get();
  if (request.target().size() > options.max_url_length) {
    ++server_->stats_.url_too_long;
    return reject(Status::uri_too_long, 3, "URL too long");
  }
  std::size_t fields = 0;
  for (auto it = request.begin(); it != request.end(); ++it) {
    if (++fields > options.max_header_count) {
      ++server_->stats_.headers_too_large;
      return reject(Status::request_header_fields_too_large, 3, "Too many request headers");
    }
  }
  if (parser_->is_done()) return on_read({});
  // The body: request_timeout from here.
  tcp().expires_after(options.request_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = std::static_pointer_cast<BasicConnection>(shared_from_this())](
                        beast::error_code ec, std::size_t) { self->on_read(ec); });
}

template <class Stream>
bool BasicConnection<Stream>::read_failed(beast::error_code ec, bool in_headers) {
  if (!ec) return false;
  if (ec == beast::error::timeout && in_headers && buffer_.size() > 0) {
    // Part of a request, and no more within header_timeout: a slow or stuck client (slowloris).
    ++server_->stats_.header_timeouts;
    if (uint64_t count = server_->header_timeout_log_.ready()) {
      spdlog::warn(
          "HTTP: closed {} connection(s) since the last such line that did not send "
          "their request headers within {} ms (the last from {})",
          count, server_->options().header_timeout.count(), Peer{remote_});
    }
    close();
    return true;
  }
  if (is_quiet_end(ec)) {
    // A client that goes away between requests, or sits idle, is not an error.
    close();
    return true;
  }
  if (ec == bhttp::error::body_limit) {
    ++server_->stats_.body_too_large;
    reject(Status::payload_too_large, 3, "Payload too large");
    return true;
  }
  if (ec == bhttp::error::header_limit) {
    ++server_->stats_.headers_too_large;
    reject(Status::request_header_fields_too_large, 3, "Request headers too large");
    return true;
  }
  // The bytes were not HTTP (or the request was cut short): answer once, then hang up.
  reject(Status::bad_request, 3, "Bad request: " + ec.message());
  return true;
}

template <class Stream>
void BasicConnection<Stream>::on_read(beast::error_code ec) {
  if (closed_) return;
  if (read_failed(ec, false)) return;
  tcp().expires_never();
  dispatch(parser_->release());
}

template <class Stream>
void BasicConnection<Stream>::reject(Status status, int code, std::string_view message) {
  log::debug(log::Layer::http, "{}: {} {}", Peer{remote_}, static_cast<int>(status), message);
  Request req;
  req.version(11);
  req.keep_alive(false);
  current_.reset();
  send(json_error(req, status, code, message));
}

template <class Stream>
void BasicConnection<Stream>::dispatch(Request request) {
  auto target = std::string_view(request.target());
  const Handler* handler = server_->router().find(target.substr(0, target.find('?')));
  if constexpr (!kTls) {
    if (!handler && hand_back_) {
      // Not one of this server's routes: back to the application that handed the connection over.
      log::debug(log::Layer::http, "{}: {} {} handed back", Peer{remote_},
                 std::string_view(request.method_string()), Redacted{target});
      released_ = true;
      tcp().expires_never();
      auto hand_back = std::move(hand_back_);
      hand_back(std::move(stream_), std::move(request), std::move(buffer_));
      return;
    }
  }
  current_ = std::make_shared<Exchange>(shared_from_this(), std::move(request), remote_, kTls);
  auto exchange = current_;
  log::debug(log::Layer::http, "{}: {} {}", Peer{remote_},
             std::string_view(exchange->request().method_string()),
             Redacted{std::string_view(exchange->request().target())});
  if (handler) {
    (*handler)(exchange);
  } else {
    exchange->respond(json_error(exchange->request(), Status::not_found, 404, "Not found"));
  }
  if (!released_ && !exchange->finished()) watch_for_close();
}

template <class Stream>
void BasicConnection<Stream>::send(Response response) {
  if (closed_ || released_) return;
  log::debug(log::Layer::http, "{}: answered {}", Peer{remote_}, response.result_int());
  if (response.find(Field::server) == response.end())
    response.set(Field::server, server_->options().server_name);
  bool keep_alive = response.keep_alive();
  writing_ = true;
  tcp().expires_after(server_->options().request_timeout);
  auto self = std::static_pointer_cast<BasicConnection>(shared_from_this());
  if (response.chunked()) {
    auto message = std::make_shared<Response>(std::move(response));
    bhttp::async_write(stream_, *message,
                       [self, message, keep_alive](beast::error_code ec, std::size_t) {
                         self->on_write(keep_alive, ec);
                       });
    return;
  }
  // The head in one buffer kept by the connection, then the body: one writev over plain TCP.
  out_ = std::move(response);
  out_head_.clear();
  append_response_head(*out_, out_head_);
  auto done = [self, keep_alive](beast::error_code ec, std::size_t) {
    self->out_.reset();
    // A large answer (over TLS the body is in this buffer too) does not stay with the connection.
    if (self->out_head_.capacity() > kKeptHeadCapacity) std::string().swap(self->out_head_);
    self->on_write(keep_alive, ec);
  };
  if constexpr (kTls) {
    // One buffer: TLS copies every byte into its records anyway, and Beast's ssl_stream writes
    // nothing when the first of several buffers is empty, which asio's write loop hands it after
    // the head is out (a two-buffer write then ends early, reporting success).
    out_head_ += out_->body();
    net::asio::async_write(stream_, net::asio::buffer(out_head_), std::move(done));
  } else {
    std::array<net::asio::const_buffer, 2> buffers{net::asio::buffer(out_head_),
                                                   net::asio::buffer(out_->body())};
    net::asio::async_write(stream_, buffers, std::move(done));
  }
}

template <class Stream>
void BasicConnection<Stream>::on_write(bool keep_alive, beast::error_code ec) {
  writing_ = false;
  current_.reset();
  if (closed_) return;
  if (ec || !keep_alive) return close();
  read_request();
}

template <class Stream>
AnyStream BasicConnection<Stream>::release() {
  released_ = true;
  current_.reset();
  tcp().expires_never();
  return AnyStream(std::in_place_type<Stream>, std::move(stream_));
}

template <class Stream>
void BasicConnection<Stream>::watch_for_close() {
  if (watching_) return;
  watching_ = true;
  // Wait for readability without consuming: EOF means the client left while its answer was
  // pending (a long-poll whose tab closed); bytes mean a pipelined request, read after the answer.
  // Over TLS a leaving client may first send an alert (close_notify): that counts as leaving too.
  tcp().socket().async_wait(
      net::tcp::socket::wait_read,
      [self = std::static_pointer_cast<BasicConnection>(shared_from_this())](net::error_code ec) {
        self->watching_ = false;
        if (ec || self->closed_ || self->released_) return;
        if (!self->current_ || self->current_->finished()) return;
        auto& socket = self->tcp().socket();
        net::error_code avail_ec;
        if (socket.available(avail_ec) == 0 || avail_ec) return self->close();
        if constexpr (kTls) {
          unsigned char first = 0;
          net::error_code peek_ec;
          socket.receive(net::asio::buffer(&first, 1), net::tcp::socket::message_peek, peek_ec);
          if (!peek_ec && first == net::kTlsAlertRecord) self->close();
        }
      });
}

template class BasicConnection<PlainStream>;
template class BasicConnection<TlsStream>;

}  // namespace soket::http
