#pragma once

#include <netinet/in.h>

#include <boost/asio/ip/tcp.hpp>

// Binds `socket` to the source address `source` and leaves the port to connect(). A plain bind to
// port 0 must pick a port that no socket on that address holds, TIME_WAIT ones included, so after
// a few runs of thousands of connections the search slows and connects stall for seconds;
// IP_BIND_ADDRESS_NO_PORT lets connect() pick a port unique for the whole 4-tuple (and reuse
// TIME_WAIT ones on loopback, tcp_tw_reuse).
inline void bind_source(boost::asio::ip::tcp::socket& socket,
                        const boost::asio::ip::address& source, boost::system::error_code& ec) {
  if (source.is_unspecified()) return;
  using bind_no_port =
      boost::asio::detail::socket_option::boolean<IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT>;
  socket.set_option(bind_no_port(true), ec);
  if (!ec) socket.bind(boost::asio::ip::tcp::endpoint(source, 0), ec);
}
