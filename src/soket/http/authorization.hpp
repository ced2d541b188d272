#pragma once

#include <optional>
#include <string_view>

namespace soket::http {

/// The token of an `Authorization: Bearer <token>` value (RFC 6750 / RFC 7235): the scheme is
/// matched without regard to case ("bearer", "BEARER"), one or more spaces separate it from the
/// token, and the token is one word (token68: no spaces). Surrounding blanks are ignored.
/// nullopt for another scheme, a missing token or more than one word.
std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace soket::http
