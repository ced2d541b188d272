#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace soket::store {

/// How far a committed batch is durable, i.e. what an `OK` sent after the commit promises.
/// SQLite: the WAL is used in both cases. PostgreSQL: `full` commits with synchronous_commit=on,
/// `normal` with synchronous_commit=off (the server's own fsync setting still applies).
enum class SyncMode {
  /// synchronous=FULL: the WAL is fsync'ed at every commit, so an acknowledged write survives a
  /// process kill (SIGKILL), a restart, an OS crash and a power loss. The default: "OK means it is
  /// in the database" should not depend on the machine staying up, and group commit pays the
  /// fsync once per batch, not once per message.
  full,
  /// synchronous=NORMAL: a commit is written to the WAL (the OS page cache) but not fsync'ed, so an
  /// acknowledged write survives SIGKILL and restarts of the process, but the last batches can be
  /// lost if the machine itself crashes or loses power. Faster on slow disks.
  normal,
};

/// True for a PostgreSQL connection URL: postgresql://... or postgres://...
bool is_postgres_url(std::string_view url);

/// Checks a store URL before connecting (postgresql:// or postgres://, in a form libpq parses).
/// Returns the reason when it is not usable.
std::optional<std::string> check_postgres_url(std::string_view url);

/// The URL with any password replaced by "***", for messages and logs.
std::string redact_url(std::string_view url);

/// Where the store's database is and how its Writer batches and commits.
struct StoreOptions {
  /// The SQLite database file, e.g. `<data-dir>/soket.db`. Its directory must exist. Unused when
  /// `url` is set.
  std::filesystem::path path{};
  /// A PostgreSQL server instead of the file: `postgresql://user@host:port/db` (libpq's URI form,
  /// also postgres://). Empty: SQLite at `path`.
  std::string url{};
  /// How durable a commit is (SyncMode).
  SyncMode sync = SyncMode::full;
  /// How long a connection waits for a lock held by another connection before failing.
  std::chrono::milliseconds busy_timeout{5000};
  /// A batch is committed when it holds max_batch operations...
  std::size_t max_batch = 4096;
  /// ...or when its first operation has waited max_delay, whichever comes first.
  std::chrono::microseconds max_delay{2000};
  /// Submissions beyond this many pending operations are refused (bounded memory under overload).
  std::size_t max_queue = 65536;
};

}  // namespace soket::store
