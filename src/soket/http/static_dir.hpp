#pragma once

#include <filesystem>
#include <string_view>

#include "soket/http/exchange.hpp"

namespace soket::http {

/// Answers GET/HEAD for files under `root`: "/" is index.html, anything that would leave `root`
/// ("..", symlinks out) is 404, other methods 405. Files are read on each request (small static
/// apps; the OS caches them). With `mount` ("/admin"), the files are served under that path: the
/// request path loses it before it is looked up under `root`.
void serve_file_from(const std::filesystem::path& root, const ExchangePtr& exchange,
                     std::string_view mount = {});

}  // namespace soket::http
