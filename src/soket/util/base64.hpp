#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace soket::base64 {

/// Standard alphabet with '=' padding (what Engine.IO polling uses for binary packets).
std::string encode(std::string_view data);
/// Appends the encoding of `data` to `out`.
void encode_append(std::string_view data, std::string& out);

/// Returns nullopt when `text` is not valid padded base64.
std::optional<std::string> decode(std::string_view text);

}  // namespace soket::base64
