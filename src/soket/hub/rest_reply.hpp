#pragma once

// What the REST handlers share: JSON answers and errors, query parameters, CSV cells.
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "soket/http/target.hpp"
#include "soket/http/types.hpp"

namespace soket::hub::rest {

/// {"error": {"code", "message"}} with `status`.
http::Response error(const http::Request& req, http::Status status, std::string_view code,
                     std::string_view message);

/// `v` as JSON, numbers written as people write them (22.2, not 2.22E1).
http::Response ok(const http::Request& req, http::Status status, const boost::json::value& v);

/// A query parameter as a whole number, `fallback` when absent; nullopt when malformed.
std::optional<std::int64_t> int_param(const http::Target& target, const std::string& name,
                                      std::int64_t fallback);

/// A CSV cell: quoted when it holds a comma, a quote or a line break.
std::string csv_escape(std::string_view s);

}  // namespace soket::hub::rest
