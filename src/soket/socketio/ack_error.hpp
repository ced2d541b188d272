#pragma once

#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace soket::socketio {

/// Why an emit with an ack ended without (every) answer, as an error_code for Asio completions.
enum class AckError {
  timed_out = 1,  ///< "operation has timed out"
  disconnected,   ///< "socket has been disconnected"
};

/// The error category of AckError (name "socket.io ack", messages as above).
const boost::system::error_category& ack_category();

/// An AckError as an error_code (lets AckError compare with error_codes).
inline boost::system::error_code make_error_code(AckError e) {
  return {static_cast<int>(e), ack_category()};
}

/// The error_code for one of the reason texts AckCallback gets.
boost::system::error_code ack_error_from_text(const std::string& text);

}  // namespace soket::socketio

/// @cond
template <>
struct boost::system::is_error_code_enum<soket::socketio::AckError> : std::true_type {};
/// @endcond
