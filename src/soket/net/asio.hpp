#pragma once

#include <boost/asio.hpp>

namespace soket::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using error_code = boost::system::error_code;

}  // namespace soket::net
