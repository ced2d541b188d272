#pragma once

#include "soket/http/exchange.hpp"

namespace soket::hub {

/// Answers a request for the dashboard from the copy built into the binary (web/dist):
/// "/" is index.html; /app.js and /app.css; anything else is 404.
void serve_web_asset(const http::ExchangePtr& exchange);

}  // namespace soket::hub
