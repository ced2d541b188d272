#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <variant>

#include "soket/net/asio.hpp"

namespace soket::http {

/// What an HTTP connection reads and writes: TCP, or TLS over TCP. Beast's stream on the
/// io_context's own executor (net::Executor); boost::beast::tcp_stream, the type-erased one, only
/// where a connection comes from or goes back to an application's Beast server (Server::adopt).
using PlainStream =
    boost::beast::basic_stream<net::tcp, net::Executor, boost::beast::unlimited_rate_policy>;
/// TLS over TCP (Beast's ssl_stream).
using TlsStream = boost::beast::ssl_stream<PlainStream>;

/// A connection's stream taken out of HTTP (a WebSocket upgrade), as the port spoke it.
using AnyStream = std::variant<PlainStream, TlsStream>;

}  // namespace soket::http
