#include "soket/http/connection.hpp"

#include "soket/http/server.hpp"
#include "soket/util/log.hpp"

namespace soket::http {

Connection::Connection(net::tcp::socket socket, std::shared_ptr<Server> server)
    : stream_(std::move(socket)), server_(std::move(server)) {
  net::error_code ec;
  remote_ = stream_.socket().remote_endpoint(ec);
  server_->connections_.insert(this);
  log::debug(log::Layer::http, "connection from {}", remote_.address().to_string());
}

Connection::Connection(
    beast::tcp_stream stream, beast::flat_buffer buffer, std::shared_ptr<Server> server,
    std::function<void(beast::tcp_stream, Request, beast::flat_buffer)> hand_back)
    : stream_(std::move(stream)),
      server_(std::move(server)),
      buffer_(std::move(buffer)),
      hand_back_(std::move(hand_back)) {
  net::error_code ec;
  remote_ = stream_.socket().remote_endpoint(ec);
  server_->connections_.insert(this);
  log::debug(log::Layer::http, "connection from {} (adopted)", remote_.address().to_string());
}

void Connection::start_with(Request request) {
  stream_.expires_never();
  dispatch(std::move(request));
}

Connection::~Connection() {
  server_->connections_.erase(this);
}

void Connection::start() {
  read_request();
}

void Connection::close() {
  if (closed_ || released_) return;
  closed_ = true;
  net::error_code ignored;
  stream_.socket().shutdown(net::tcp::socket::shutdown_both, ignored);
  stream_.close();
  if (current_ && !current_->finished_) current_->aborted();
}

void Connection::read_request() {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(server_->options().header_limit));
  parser_->body_limit(server_->options().body_limit);
  stream_.expires_after(server_->options().request_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void Connection::on_read(beast::error_code ec) {
  if (closed_) return;
  if (ec == bhttp::error::end_of_stream || ec == net::asio::error::eof ||
      ec == beast::error::timeout || ec == net::asio::error::connection_reset ||
      ec == net::asio::error::operation_aborted) {
    // A client that goes away between requests, or sits idle, is not an error.
    return close();
  }
  if (ec == bhttp::error::body_limit)
    return reject(Status::payload_too_large, 3, "Payload too large");
  if (ec == bhttp::error::header_limit)
    return reject(Status::request_header_fields_too_large, 3, "Request headers too large");
  if (ec) {
    // The bytes were not HTTP (or the request was cut short): answer once, then hang up.
    return reject(Status::bad_request, 3, "Bad request: " + ec.message());
  }
  stream_.expires_never();
  dispatch(parser_->release());
}

void Connection::reject(Status status, int code, std::string_view message) {
  log::debug(log::Layer::http, "{}: {} {}", remote_.address().to_string(), static_cast<int>(status),
             message);
  Request req;
  req.version(11);
  req.keep_alive(false);
  current_.reset();
  send(json_error(req, status, code, message));
}

void Connection::dispatch(Request request) {
  auto target = std::string_view(request.target());
  const Handler* handler = server_->router().find(target.substr(0, target.find('?')));
  if (!handler && hand_back_) {
    // Not one of this server's routes: back to the application that handed the connection over.
    log::debug(log::Layer::http, "{}: {} {} handed back", remote_.address().to_string(),
               std::string_view(request.method_string()), target);
    released_ = true;
    stream_.expires_never();
    auto hand_back = std::move(hand_back_);
    hand_back(std::move(stream_), std::move(request), std::move(buffer_));
    return;
  }
  current_ = std::make_shared<Exchange>(shared_from_this(), std::move(request), remote_, false);
  auto exchange = current_;
  log::debug(log::Layer::http, "{}: {} {}", remote_.address().to_string(),
             std::string_view(exchange->request().method_string()),
             std::string_view(exchange->request().target()));
  if (handler) {
    (*handler)(exchange);
  } else {
    exchange->respond(json_error(exchange->request(), Status::not_found, 404, "Not found"));
  }
  if (!released_ && !exchange->finished()) watch_for_close();
}

void Connection::send(Response response) {
  if (closed_ || released_) return;
  log::debug(log::Layer::http, "{}: answered {}", remote_.address().to_string(),
             response.result_int());
  if (response.find(Field::server) == response.end())
    response.set(Field::server, server_->options().server_name);
  bool keep_alive = response.keep_alive();
  auto message = std::make_shared<Response>(std::move(response));
  writing_ = true;
  stream_.expires_after(server_->options().request_timeout);
  bhttp::async_write(stream_, *message,
                     [self = shared_from_this(), message, keep_alive](
                         beast::error_code ec, std::size_t) { self->on_write(keep_alive, ec); });
}

void Connection::on_write(bool keep_alive, beast::error_code ec) {
  writing_ = false;
  current_.reset();
  if (closed_) return;
  if (ec || !keep_alive) return close();
  read_request();
}

void Connection::watch_for_close() {
  if (watching_) return;
  watching_ = true;
  // Wait for readability without consuming: EOF means the client left while its answer was
  // pending (a long-poll whose tab closed); bytes mean a pipelined request, read after the answer.
  stream_.socket().async_wait(net::tcp::socket::wait_read,
                              [self = shared_from_this()](net::error_code ec) {
                                self->watching_ = false;
                                if (ec || self->closed_ || self->released_) return;
                                if (!self->current_ || self->current_->finished()) return;
                                net::error_code avail_ec;
                                if (self->stream_.socket().available(avail_ec) == 0 || avail_ec)
                                  self->close();
                              });
}

}  // namespace soket::http
