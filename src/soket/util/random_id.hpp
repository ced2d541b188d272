#pragma once

#include <string>

namespace soket {

/// A 20-character URL-safe random identifier (120 bits), like the ids the reference server gives to
/// Engine.IO sessions and Socket.IO sockets. Not guessable: seeded from the OS.
std::string random_id();

}  // namespace soket
