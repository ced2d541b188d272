#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace soket::engineio {

/// JSONP long-polling (a polling request with a `j` query parameter), as the reference's
/// polling-jsonp transport: for clients that can only load scripts. Works with both revisions.

/// The callback index: the digits of the `j` parameter.
std::string jsonp_index(std::string_view j);

/// A GET answer: `___eio[<index>]("<payload as a JavaScript string>");`.
std::string jsonp_wrap(std::string_view index, std::string_view payload);

/// The payload of a JSONP POST: the form field `d`, with the client's escaped newlines restored
/// ("\n" is a newline, "\\n" a backslash and an n). nullopt when the form has no `d`.
std::optional<std::string> jsonp_post_payload(std::string_view form_body);

}  // namespace soket::engineio
