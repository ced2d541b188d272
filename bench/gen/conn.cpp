#include "conn.hpp"

namespace soket::bench {

void Conn::on_engineio_text(std::string_view text) {
  if (text.empty()) return fail("empty Engine.IO packet");
  char type = text.front();
  if (type == '2') {  // ping -> pong
    ++pings_;
    return queue_text("3", text.substr(1));
  }
  if (type == '1') return fail("Engine.IO close");
  if (type == '6' || type == '3') return;
  if (state_ == State::opening) {
    if (type != '0') return fail("expected the Engine.IO open packet");
    state_ = State::joining;
    return queue_text("40");
  }
  if (type != '4') return fail("unexpected Engine.IO packet");
  std::string_view packet = text.substr(1);
  if (state_ == State::joining) {
    if (!packet.starts_with("0")) return fail("expected the Socket.IO CONNECT answer");
    state_ = State::ready;
    handler_.on_ready(*this);
    return;
  }
  if (packet.starts_with("1") || packet.starts_with("4"))
    return fail("Socket.IO disconnect or error: " + std::string(packet.substr(0, 80)));
  handler_.on_packet(*this, packet);
}

}  // namespace soket::bench
