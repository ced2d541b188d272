#pragma once

#include "soket/store/error.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

// A thin RAII layer over the SQLite C API: connections, prepared statements, errors as exceptions.
namespace soket::store {

/// An error from SQLite (or from the store while talking to it). code() is the extended result
/// code.
class SqliteError : public StoreError {
 public:
  /// An error with SQLite's extended result `code` and message `what`.
  SqliteError(int code, const std::string& what) : StoreError(what), code_(code) {}
  /// SQLite's extended result code (SQLITE_BUSY, SQLITE_CONSTRAINT_UNIQUE, ...).
  int code() const { return code_; }
  /// True for SQLITE_CONSTRAINT and its extended codes (NOT NULL, FOREIGN KEY, UNIQUE, CHECK...).
  bool is_constraint() const;

 private:
  int code_;
};

class Database;

/// A prepared statement, reused across executions: bind, step until done, reset.
class Statement {
 public:
  Statement() = default;
  /// Prepares `sql` (one statement) on `db`, to be run many times. Throws SqliteError.
  Statement(Database& db, std::string_view sql);
  /// Takes `other`'s statement, leaving it unprepared.
  Statement(Statement&& other) noexcept;
  /// Finalizes this statement and takes `other`'s, leaving it unprepared.
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  /// Parameters are 1-based, as in SQLite.
  void bind(int index, std::int64_t value);
  /// Binds a double to parameter `index`.
  void bind(int index, double value);
  /// Binds a copy of `text` to parameter `index`.
  void bind(int index, std::string_view text);
  /// Binds a copy of `text` to parameter `index`.
  void bind(int index, const std::string& text) { bind(index, std::string_view(text)); }
  /// Binds a copy of the C string `text` to parameter `index`.
  void bind(int index, const char* text) { bind(index, std::string_view(text)); }
  /// Binds NULL to parameter `index`.
  void bind_null(int index);
  /// Binds without copying: `text` must stay valid until reset() (the writer's hot path).
  void bind_static(int index, std::string_view text);
  /// bind_static() of a string, which must stay valid until reset().
  void bind_static(int index, const std::string& text) {
    bind_static(index, std::string_view(text));
  }
  /// bind_static() of the string, or NULL when unset.
  void bind_static(int index, const std::optional<std::string>& text);
  /// Binds a copy of the string, or NULL when unset.
  void bind(int index, const std::optional<std::string>& text);
  /// Binds the double, or NULL when unset.
  void bind(int index, const std::optional<double>& value);

  /// False for a default-constructed (or moved-from) statement.
  bool prepared() const { return stmt_ != nullptr; }

  /// Runs one step: true if a row is available, false when done. Throws SqliteError on failure.
  bool step();
  /// Runs a statement that returns no rows to completion.
  void run();
  /// Makes the statement ready to run again and releases its read snapshot; bindings are cleared.
  void reset() noexcept;

  /// Whether column `index` (0-based) of the current row is NULL.
  bool column_is_null(int index) const;
  /// Column `index` (0-based) of the current row as an integer.
  std::int64_t column_int64(int index) const;
  /// Column `index` (0-based) of the current row as a double.
  double column_double(int index) const;
  /// Column `index` (0-based) of the current row as text (empty for NULL).
  std::string column_text(int index) const;
  /// column_double(), or nullopt for NULL.
  std::optional<double> column_optional_double(int index) const;
  /// column_text(), or nullopt for NULL.
  std::optional<std::string> column_optional_text(int index) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a statement when leaving a scope, so a reader never keeps a WAL snapshot open.
class StatementScope {
 public:
  /// Resets `stmt` when this object is destroyed.
  explicit StatementScope(Statement& stmt) : stmt_(stmt) {}
  ~StatementScope() { stmt_.reset(); }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;

 private:
  Statement& stmt_;
};

/// One SQLite connection. Not thread-safe: each connection is used by one thread at a time.
class Database {
 public:
  /// Opens (creating if needed) the database file. Throws SqliteError.
  explicit Database(const std::string& path);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  /// Runs one or more SQL statements that return no rows.
  void exec(std::string_view sql);
  /// Runs a query expected to return one integer (e.g. a PRAGMA); nullopt when it returns no row.
  std::optional<std::int64_t> query_int(std::string_view sql);

  /// The rowid of the last row inserted on this connection.
  std::int64_t last_insert_rowid() const;
  /// Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  int changes() const;
  /// True while an explicit transaction is open (false once SQLite rolled one back by itself).
  bool in_transaction() const;

  /// The sqlite3 connection, still owned by this object.
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace soket::store
