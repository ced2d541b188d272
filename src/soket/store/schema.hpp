#pragma once

#include "soket/store/sqlite.hpp"

#include <cstdint>
#include <span>
#include <string_view>

// The database schema as a list of forward migrations, applied in order and recorded in the
// schema_version table.
namespace soket::store {

/// One forward step of the schema: `sql` brings the database to `version`.
struct Migration {
  std::int64_t version;  ///< strictly increasing, starting at 1
  std::string_view sql;  ///< one or more statements
};

/// The migrations of this build of soket, oldest first.
std::span<const Migration> migrations();

/// The version recorded in the database (0 for a fresh database).
std::int64_t schema_version(Database& db);

/// Brings the database up to the last of `steps` in one IMMEDIATE transaction: every migration
/// newer than the recorded version runs, in order, or none does. Throws SqliteError when a step
/// fails or when the database is newer than the last step (an older soket must not touch it).
/// Returns the version after migrating.
std::int64_t migrate(Database& db, std::span<const Migration> steps = migrations());

}  // namespace soket::store
