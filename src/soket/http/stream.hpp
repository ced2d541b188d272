#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <variant>

namespace soket::http {

/// What an HTTP connection reads and writes: TCP, or TLS over TCP.
using PlainStream = boost::beast::tcp_stream;
/// TLS over TCP (Beast's ssl_stream).
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/// A connection's stream taken out of HTTP (a WebSocket upgrade), as the port spoke it.
using AnyStream = std::variant<PlainStream, TlsStream>;

}  // namespace soket::http
