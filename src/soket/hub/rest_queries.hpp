#pragma once

// The REST API's read-only queries over the store: history pages with cursors (readings in long or
// wide shape, as JSON or CSV; a device's text messages) and the command list. docs/rest.md.
#include <string>
#include <string_view>

#include "soket/http/target.hpp"
#include "soket/http/types.hpp"
#include "soket/store/store.hpp"

namespace soket::hub::rest {

/// GET /api/devices/{device}/readings ?from&to&limit&before&after&shape=long|wide&format=json|csv
/// (the device is known).
http::Response readings(const http::Request& req, const http::Target& target, store::Store& db,
                        const std::string& device);

/// GET /api/devices/{device}/messages ?from&to&limit&before&after (the device is known).
http::Response messages(const http::Request& req, const http::Target& target, store::Store& db,
                        const std::string& device);

/// GET /api/commands ?device&state&limit&before&after
http::Response commands(const http::Request& req, const http::Target& target, store::Store& db);

/// GET /api/commands/{id}
http::Response command(const http::Request& req, store::Store& db, std::string_view id);

}  // namespace soket::hub::rest
