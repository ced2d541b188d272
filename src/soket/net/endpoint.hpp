#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "soket/net/asio.hpp"

namespace soket::net {

/// A numeric IPv4/IPv6 address (or "localhost") and a port, without name resolution.
std::optional<tcp::endpoint> make_endpoint(std::string_view host, uint16_t port);

}  // namespace soket::net
