#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace soket {

/// Immutable bytes shared by every writer that sends them: a broadcast is encoded once and the same
/// buffer sits in each receiver's write queue.
using SharedBytes = std::shared_ptr<const std::string>;

/// Shared bytes taking over `s`.
inline SharedBytes make_shared_bytes(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}
/// Shared bytes holding a copy of `s`.
inline SharedBytes make_shared_bytes(std::string_view s) {
  return std::make_shared<const std::string>(s);
}

}  // namespace soket
