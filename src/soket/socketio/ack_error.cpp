#include "soket/socketio/ack_error.hpp"

namespace soket::socketio {

namespace {

class AckCategory : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "socket.io ack"; }
  std::string message(int value) const override {
    switch (static_cast<AckError>(value)) {
      case AckError::timed_out:
        return "operation has timed out";
      case AckError::disconnected:
        return "socket has been disconnected";
    }
    return "unknown ack error";
  }
};

}  // namespace

const boost::system::error_category& ack_category() {
  static const AckCategory category;
  return category;
}

boost::system::error_code ack_error_from_text(const std::string& text) {
  if (text == "socket has been disconnected") return AckError::disconnected;
  return AckError::timed_out;
}

}  // namespace soket::socketio
