#pragma once

#include <string>
#include <vector>

#include "soket/socketio/adapter.hpp"
#include "soket/socketio/packet.hpp"

namespace soket::socketio {

/// An adapter operation as it is sent to the other shards of this process (and, later, to the
/// other nodes of a cluster). Immutable once sent: every receiver shares it, and a broadcast's
/// encoded bytes with it.
struct AdapterOp {
  /// Which operation it is (the Adapter function of the same name).
  enum class Kind { broadcast, add_sockets, del_sockets, disconnect_sockets };

  Kind kind = Kind::broadcast;  ///< the operation
  std::string nsp;              ///< the namespace it applies to
  BroadcastOptions options;     ///< which sockets it targets
  EncodedPacket packet;         ///< broadcast
  std::vector<Room> rooms;      ///< add_sockets, del_sockets
  bool close = false;           ///< disconnect_sockets
};

}  // namespace soket::socketio
