#pragma once

#include <string>

#include "soket/http/types.hpp"

namespace soket::http {

/// Appends the status line and header lines of `response`, and the blank line that ends them, to
/// `out`: the bytes Beast's serializer writes before the body. With the body written after it as
/// is, this is the whole message for every response that is not chunked. One contiguous buffer is
/// cheaper to write than the serializer's chain of buffer views, which showed up at ~8 % of the
/// server's time for long-polling answers (bench/README.md).
void append_response_head(const Response& response, std::string& out);

}  // namespace soket::http
