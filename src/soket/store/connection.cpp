#include "soket/store/connection.hpp"

#include <sqlite3.h>

#include <string>

namespace soket::store {

std::unique_ptr<Database> open_connection(const StoreOptions& options, ConnectionRole role) {
  auto db = std::make_unique<Database>(options.path.string());
  if (int rc = sqlite3_busy_timeout(db->handle(), static_cast<int>(options.busy_timeout.count()));
      rc != SQLITE_OK)
    throw SqliteError(rc, "busy_timeout");

  Statement journal(*db, "PRAGMA journal_mode = WAL");
  std::string mode = journal.step() ? journal.column_text(0) : std::string();
  journal.reset();
  if (mode != "wal")
    throw SqliteError(SQLITE_ERROR, "cannot use WAL journal on " + options.path.string() +
                                        " (journal mode is '" + mode + "')");

  db->exec(options.sync == SyncMode::full ? "PRAGMA synchronous = FULL"
                                          : "PRAGMA synchronous = NORMAL");
  db->exec("PRAGMA foreign_keys = ON");
  // Larger page cache than the 2 MiB default: the readings index is hot for the writer.
  db->exec(role == ConnectionRole::writer ? "PRAGMA cache_size = -16384"
                                          : "PRAGMA cache_size = -8192");
  if (role == ConnectionRole::reader) db->exec("PRAGMA query_only = ON");
  return db;
}

}  // namespace soket::store
