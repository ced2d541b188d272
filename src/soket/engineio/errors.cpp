#include "soket/engineio/errors.hpp"

namespace soket::engineio {

std::string_view error_message(ErrorCode code) {
  switch (code) {
    case ErrorCode::unknown_transport:
      return "Transport unknown";
    case ErrorCode::unknown_sid:
      return "Session ID unknown";
    case ErrorCode::bad_handshake_method:
      return "Bad handshake method";
    case ErrorCode::bad_request:
      return "Bad request";
    case ErrorCode::forbidden:
      return "Forbidden";
    case ErrorCode::unsupported_protocol_version:
      return "Unsupported protocol version";
  }
  return "Bad request";
}

http::Response error_response(const http::Request& request, ErrorCode code) {
  auto status = code == ErrorCode::forbidden ? http::Status::forbidden : http::Status::bad_request;
  return http::json_error(request, status, static_cast<int>(code), error_message(code));
}

}  // namespace soket::engineio
