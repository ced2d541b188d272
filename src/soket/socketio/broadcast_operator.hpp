#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "soket/socketio/adapter.hpp"
#include "soket/socketio/message.hpp"

namespace soket::socketio {

class Namespace;

/// Targets a set of sockets of one namespace: to(room) / in(room) add rooms, except(room) removes
/// their members. Emits are encoded once and the same bytes go to every target.
class BroadcastOperator {
 public:
  BroadcastOperator(Namespace& nsp, BroadcastOptions options = {})
      : nsp_(&nsp), options_(std::move(options)) {}

  BroadcastOperator to(Room room) const;
  BroadcastOperator in(Room room) const { return to(std::move(room)); }
  BroadcastOperator except(Room room) const;

  void emit_message(std::string_view event, Message message) const;
  template <class... T>
  void emit(std::string_view event, T&&... values) const {
    emit_message(event, make_message(std::forward<T>(values)...));
  }

  std::vector<SocketId> socket_ids() const;
  void fetch_sockets(std::function<void(std::vector<std::shared_ptr<Socket>>)> done) const;
  void sockets_join(std::vector<Room> rooms) const;
  void sockets_leave(std::vector<Room> rooms) const;
  void disconnect_sockets(bool close = false) const;

  const BroadcastOptions& options() const { return options_; }

 private:
  Namespace* nsp_;
  BroadcastOptions options_;
};

}  // namespace soket::socketio
