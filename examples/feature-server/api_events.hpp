#pragma once

#include "soket/socketio/server.hpp"

namespace soket::examples {

/// Events of the feature server that drive one Socket.IO API each (send, rooms, several rooms,
/// except, sockets_leave, volatile, buffered bytes, disconnect reasons);
/// tests/integration/README.md lists them. With `log_disconnects`, every disconnect of "/" is also
/// printed on stdout as `disconnect <id> <reason>` (the one way to see "server shutting down").
void setup_api_events(socketio::Server& io, bool log_disconnects);

}  // namespace soket::examples
