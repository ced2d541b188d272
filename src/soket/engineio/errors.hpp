#pragma once

#include <string_view>

#include "soket/http/types.hpp"

namespace soket::engineio {

/// The error codes the reference server sends in its HTTP 400 JSON bodies.
enum class ErrorCode : int {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};

/// The reference's message for `code`, e.g. "Transport unknown", "Session ID unknown".
std::string_view error_message(ErrorCode code);

/// 400 (403 for forbidden) with {"code":N,"message":"..."}.
http::Response error_response(const http::Request& request, ErrorCode code);

}  // namespace soket::engineio
