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

}  // namespace soket::net
