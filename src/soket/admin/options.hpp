#pragma once

#include <optional>
#include <string>

namespace soket::admin {

/// The admin UI's login: `password_hash` is a bcrypt hash ("$2a$", "$2b$" or "$2y$").
struct BasicAuth {
  /// The admin UI's login name.
  std::string username;
  /// The bcrypt hash of its password (`$2b$...`).
  std::string password_hash;
};

/// What the UI may see: "development" also streams every socket's connections, rooms and events;
/// "production" only the periodic server statistics.
enum class Mode { development, production };

/// The options of Node's `instrument(io, {...})`.
struct AdminOptions {
  /// nullopt: no authentication (Node's `auth: false`); anyone reaching the server may administer
  /// it.
  std::optional<BasicAuth> auth;
  /// The namespace the UI connects to.
  std::string namespace_name = "/admin";
  /// Only statistics and socket lists; the UI's join / leave / disconnect / emit are refused.
  bool readonly = false;
  /// Names this server in the UI; empty: the host name.
  std::string server_id;
  /// development: the UI also sees every event; production: connections and rooms only.
  Mode mode = Mode::development;
};

}  // namespace soket::admin
