#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "soket/util/bytes.hpp"

namespace soket::socketio {

/// The message types of the reference's cluster adapter (socket.io-adapter), with its numbers.
enum class ClusterMessageType : int {
  initial_heartbeat = 1,
  heartbeat,
  broadcast,
  sockets_join,
  sockets_leave,
  disconnect_sockets,
  fetch_sockets,
  fetch_sockets_response,
  server_side_emit,
  server_side_emit_response,
  broadcast_client_count,
  broadcast_ack,
  adapter_close,
};

/// A message between the nodes of a cluster in the reference's shape {uid, nsp, type, data}.
/// Binary values inside `data` are placeholders {"_placeholder":true,"num":i} into `attachments`,
/// so a transport can write them inline (msgpack) without knowing where they are.
struct ClusterMessage {
  ClusterMessageType type{};             ///< what the message is
  std::string uid;                       ///< the sending node's uid
  std::string nsp;                       ///< the namespace it concerns
  boost::json::object data;              ///< the type's payload, as the reference shapes it
  std::vector<SharedBytes> attachments;  ///< the binary values of `data`, by placeholder number
};

}  // namespace soket::socketio
