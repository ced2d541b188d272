#pragma once

#include <optional>
#include <string_view>

namespace soket::gateway {

/// Why a piece of text cannot be carried as a message, or nullopt when it can: it must be valid
/// UTF-8 and hold no control characters (bytes below 0x20 other than tab, and DEL). Messages end up
/// in JSON (Socket.IO, the store), so both rules protect everything downstream.
std::optional<std::string_view> text_problem(std::string_view text);

/// `text` without leading and trailing spaces and tabs.
std::string_view trim_blanks(std::string_view text);

}  // namespace soket::gateway
