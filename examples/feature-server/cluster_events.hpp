#pragma once

#include <string>

#include "soket/socketio/server.hpp"

namespace soket::examples {

/// The cluster events of the feature server (each one is a local operation that reaches the
/// whole cluster): count, rooms-of, join-all, kick-room, server-side-emit, server-side-emit-ack,
/// ask-all, whoami and the remote-* operations on a socket of any node. tests/cluster/EVENTS.md
/// lists them; the Node reference node of the cluster tests implements the same.
void setup_cluster_events(socketio::Server& io, std::string node_name);

}  // namespace soket::examples
