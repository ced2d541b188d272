#pragma once

#include <spdlog/fmt/fmt.h>

#include <string>
#include <string_view>

namespace soket::http {

/// A request target with the values of secret-looking query parameters (names containing
/// "token", "secret", "pass", "auth", "key" or "sig", in any case) replaced by "***", for logs:
/// "/?token=abc&x=1" -> "/?token=***&x=1". Everything else is kept as received.
std::string redact_target(std::string_view target);

/// A target that is redacted only when it is formatted, so a log call whose layer is off costs
/// nothing: log::debug(layer, "{}", Redacted{target}).
struct Redacted {
  /// The target as received, unredacted; it must outlive the formatting.
  std::string_view target;
};

}  // namespace soket::http

/// \cond
/// Formats a Redacted as redact_target() gives it.
template <>
struct fmt::formatter<soket::http::Redacted> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const soket::http::Redacted& r, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(soket::http::redact_target(r.target), ctx);
  }
};
/// \endcond
