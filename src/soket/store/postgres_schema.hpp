#pragma once

#include "soket/store/postgres.hpp"
#include "soket/store/schema.hpp"

#include <cstdint>
#include <span>

// The PostgreSQL form of the schema: the same tables, versions and meaning as schema.cpp (SQLite),
// in PostgreSQL's types (BIGINT, BIGSERIAL, DOUBLE PRECISION) and with "C" collation on the text
// keys, so ids and keys sort by bytes as in SQLite.
namespace soket::store {

/// The PostgreSQL migrations of this build of soket, oldest first (same versions as migrations()).
std::span<const Migration> postgres_migrations();

/// The version recorded in the database (0 for a fresh database).
std::int64_t schema_version(PgConnection& db);

/// Brings the database up to the last of `steps` in one transaction that first takes a
/// transaction-scoped advisory lock, so nodes starting at once migrate one after the other.
/// Throws PgError when a step fails or when the database is newer than the last step. Returns the
/// version after migrating.
std::int64_t migrate(PgConnection& db, std::span<const Migration> steps = postgres_migrations());

}  // namespace soket::store
