#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "soket/http/exchange.hpp"
#include "soket/http/stream.hpp"
#include "soket/net/tls.hpp"

namespace soket::http {

class Server;

/// One HTTP/1.1 connection: reads requests one after another (keep-alive), hands each to the
/// router, writes the answer, and notices when the client goes away while an answer is pending.
/// BasicConnection below does the work for one kind of stream; this base is what an Exchange and
/// the Server hold, so that plain and TLS connections serve the same routes.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;

  /// Starts serving: reads the first request (TLS: after the handshake).
  virtual void start() = 0;
  /// Closes the socket at once; a pending exchange learns that its client is gone.
  virtual void close() = 0;

  /// Keeps the connection's place under the server's connection limits (see Exchange::lease()).
  void hold(std::shared_ptr<void> lease) { lease_ = std::move(lease); }
  /// What hold() keeps (null when nothing).
  const std::shared_ptr<void>& lease() const { return lease_; }

 protected:
  friend class Exchange;

  /// Writes the answer of the current request.
  virtual void send(Response response) = 0;
  /// Hands the stream over (the connection then ends); see Exchange::release_stream().
  virtual AnyStream release() = 0;
  /// Tells the current exchange, if unfinished, that its client went away.
  void aborted();

  /// The exchange of the request being served; null between requests.
  std::shared_ptr<Exchange> current_;
  /// The stream was handed over (release()): the connection no longer owns it.
  bool released_ = false;
  /// close() was called, or the connection ended.
  bool closed_ = false;
  /// The connection's place under the server's limits (see hold()).
  std::shared_ptr<void> lease_;
};

/// A Connection over `Stream`: PlainStream, or TlsStream (which first makes sure the client speaks
/// TLS, then does the handshake). The plain one pays nothing for TLS: the differences are settled
/// at compile time.
template <class Stream>
class BasicConnection final : public Connection {
 public:
  /// Whether this is the TLS connection.
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  /// TLS: `context` is the certificate this connection uses (kept alive as long as it is); plain:
  /// null.
  BasicConnection(net::TcpSocket socket, std::shared_ptr<Server> server,
                  std::shared_ptr<net::ssl::context> context = nullptr);
  /// A plain connection another HTTP server accepted and read a first request from
  /// (Server::adopt); `hand_back` takes it back for a request none of this server's routes serve.
  using HandBack = std::function<void(PlainStream, Request, beast::flat_buffer)>;
  /// Adopts `stream` with the bytes already read in `buffer` (see HandBack above).
  BasicConnection(PlainStream stream, beast::flat_buffer buffer, std::shared_ptr<Server> server,
                  HandBack hand_back) requires(!kTls);
  ~BasicConnection() override;

  void start() override;
  /// Serves `request` (already read), then reads on.
  void start_with(Request request);
  void close() override;

 private:
  void send(Response response) override;
  AnyStream release() override;

  static Stream make_stream(net::TcpSocket socket, net::ssl::context* context);
  PlainStream& tcp() { return boost::beast::get_lowest_layer(stream_); }
  void read_client_hello();
  void on_client_hello(beast::error_code ec, std::size_t n);
  void refuse_plain_http();
  void drain_then_close();
  void read_request();
  void on_read_header(beast::error_code ec);
  void on_read(beast::error_code ec);
  /// True when the read ended in an error that was answered or closed the connection.
  bool read_failed(beast::error_code ec, bool in_headers);
  void dispatch(Request request);
  void on_write(bool keep_alive, beast::error_code ec);
  void watch_for_close();
  void reject(Status status, int code, std::string_view message);

  std::shared_ptr<net::ssl::context> context_;  // TLS only; declared before stream_ uses it
  Stream stream_;
  std::shared_ptr<Server> server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  net::tcp::endpoint remote_;
  bool writing_ = false;
  bool watching_ = false;
  bool draining_ = false;
  HandBack hand_back_;           // adopted connections only
  std::optional<Response> out_;  // the answer being written
  std::string out_head_;         // its status line and headers (the buffer is reused)
};

/// A connection over plain TCP.
using PlainConnection = BasicConnection<PlainStream>;
/// A connection over TLS.
using TlsConnection = BasicConnection<TlsStream>;

extern template class BasicConnection<PlainStream>;
extern template class BasicConnection<TlsStream>;

}  // namespace soket::http
