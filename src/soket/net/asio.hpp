#pragma once

#include <boost/asio.hpp>

namespace soket::net {

namespace asio = boost::asio;
/// Asio's TCP protocol (sockets, endpoints, acceptors).
using tcp = asio::ip::tcp;
/// Asio's UDP protocol.
using udp = asio::ip::udp;
/// The error type of every Asio operation.
using error_code = boost::system::error_code;
/// The executor of the sockets soket accepts: the io_context's own, not the type-erased
/// any_io_executor, so that a socket and each of its pending operations carry 8 bytes of executor
/// instead of 56, copied without an indirection (~90 bytes less per idle connection).
using Executor = asio::io_context::executor_type;
/// A TCP socket on an io_context (see Executor).
using TcpSocket = asio::basic_stream_socket<tcp, Executor>;

}  // namespace soket::net
