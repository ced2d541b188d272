#include "soket/net/endpoint.hpp"

#include <string>

namespace soket::net {

std::optional<tcp::endpoint> make_endpoint(std::string_view host, uint16_t port) {
  if (host == "localhost") host = "127.0.0.1";
  error_code ec;
  auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  return tcp::endpoint(address, port);
}

}  // namespace soket::net
