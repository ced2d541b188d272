#pragma once

#include "soket/store/options.hpp"
#include "soket/store/sqlite.hpp"

#include <memory>

namespace soket::store {

/// What a connection is for: the Writer's, or a read-only one (Reader, PageReader).
///
/// `writer`: the Writer's connection, the only one that writes; `reader`: a query-only connection.
enum class ConnectionRole { writer, reader };

/// Opens a connection to options.path configured for the store: WAL journal, the configured
/// synchronous level, busy timeout, foreign keys on; a reader connection is also query-only.
/// Throws SqliteError.
std::unique_ptr<Database> open_connection(const StoreOptions& options, ConnectionRole role);

}  // namespace soket::store
