#include "soket/socketio/broadcast_operator.hpp"

#include "soket/socketio/event_packet.hpp"
#include "soket/socketio/namespace.hpp"

namespace soket::socketio {

BroadcastOperator BroadcastOperator::to(Room room) const {
  auto options = options_;
  options.rooms.push_back(std::move(room));
  return {*nsp_, std::move(options)};
}

BroadcastOperator BroadcastOperator::except(Room room) const {
  auto options = options_;
  options.except.push_back(std::move(room));
  return {*nsp_, std::move(options)};
}

void BroadcastOperator::emit_message(std::string_view event, Message message) const {
  auto packet = encode(make_event_packet(nsp_->name(), event, std::move(message), std::nullopt));
  nsp_->adapter().broadcast(packet, options_);
}

std::vector<SocketId> BroadcastOperator::socket_ids() const {
  return nsp_->adapter().sockets(options_);
}

void BroadcastOperator::fetch_sockets(
    std::function<void(std::vector<std::shared_ptr<Socket>>)> done) const {
  nsp_->adapter().fetch_sockets(options_, std::move(done));
}

void BroadcastOperator::sockets_join(std::vector<Room> rooms) const {
  nsp_->adapter().add_sockets(options_, rooms);
}

void BroadcastOperator::sockets_leave(std::vector<Room> rooms) const {
  nsp_->adapter().del_sockets(options_, rooms);
}

void BroadcastOperator::disconnect_sockets(bool close) const {
  nsp_->adapter().disconnect_sockets(options_, close);
}

}  // namespace soket::socketio
