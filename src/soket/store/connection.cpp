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
  // Checkpoints run inside the writer's commits. One every 8192 pages (~32 MiB of WAL) instead of
  // SQLite's 1000 copies a hot page (a leaf of the readings index) once per many batches instead
  // of once every few, and stops the writer less often (bench/README.md, "devices").
  if (role == ConnectionRole::writer) {
    db->exec("PRAGMA wal_autocheckpoint = 8192");
    // A WAL reset after a checkpoint truncates the file to 4 MiB: an idle hub does not keep
    // 32 MiB, and a full disk is noticed when the WAL grows again (ERR), not only at checkpoints.
    db->exec("PRAGMA journal_size_limit = 4194304");
  }
  return db;
}

}  // namespace soket::store
