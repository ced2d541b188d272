#pragma once

#include <filesystem>

#include "soket/http/exchange.hpp"

namespace soket::http {

/// Answers GET/HEAD for files under `root`: "/" is index.html, anything that would leave `root`
/// ("..", symlinks out) is 404, other methods 405. Files are read on each request (small static
/// apps; the OS caches them).
void serve_file_from(const std::filesystem::path& root, const ExchangePtr& exchange);

}  // namespace soket::http
