#pragma once

#include "soket/store/error.hpp"
#include "soket/store/options.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct pg_conn;
struct pg_result;

// A thin RAII layer over libpq: connections, results, text-format parameters, errors as
// exceptions, and pipeline mode for the writer's batches.
namespace soket::store {

/// An error from PostgreSQL or libpq. sqlstate() is the server's five-character code ("" when the
/// error is the client's own, e.g. a lost connection).
class PgError : public StoreError {
 public:
  /// An error with message `what` and the server's SQLSTATE code, if any.
  PgError(const std::string& what, std::string sqlstate = {})
      : StoreError(what), sqlstate_(std::move(sqlstate)) {}
  /// The server's five-character SQLSTATE code; empty for a client-side error.
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

/// One result; rows and columns are 0-based, values in text format.
class PgResult {
 public:
  PgResult() = default;
  /// Takes ownership of a libpq result (null: an empty, failed result).
  explicit PgResult(pg_result* result) : result_(result) {}
  /// Takes `other`'s result, leaving it empty.
  PgResult(PgResult&& other) noexcept;
  /// Frees this result and takes `other`'s, leaving it empty.
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  /// True for a command or query that succeeded.
  bool ok() const;
  /// The server's message (and SQLSTATE) of a failed result.
  std::string error() const;
  /// The SQLSTATE code of a failed result; empty when there is none.
  std::string sqlstate() const;
  /// Throws PgError(context + message) unless ok().
  void check(std::string_view context) const;

  /// The number of rows returned.
  int rows() const;
  /// Rows an INSERT/UPDATE/DELETE touched.
  std::uint64_t affected() const;
  /// Whether the value at (`row`, `column`) is SQL NULL.
  bool is_null(int row, int column) const;
  /// The value at (`row`, `column`) as text; valid while this result lives.
  std::string_view text(int row, int column) const;
  /// The value at (`row`, `column`) as a copied string.
  std::string string(int row, int column) const { return std::string(text(row, column)); }
  /// The value at (`row`, `column`) as an integer. Throws PgError when it is not one.
  std::int64_t int64(int row, int column) const;
  /// The value at (`row`, `column`) as a double. Throws PgError when it is not a number.
  double real(int row, int column) const;
  /// string(), or nullopt for NULL.
  std::optional<std::string> optional_string(int row, int column) const;
  /// real(), or nullopt for NULL.
  std::optional<double> optional_real(int row, int column) const;
  /// int64(), or nullopt for NULL.
  std::optional<std::int64_t> optional_int64(int row, int column) const;

  /// The libpq result (null when empty), still owned by this object.
  pg_result* get() const { return result_; }

 private:
  pg_result* result_ = nullptr;
};

/// Up to kMax parameters in text format. Strings are not copied: they must outlive the send
/// (libpq copies them into its buffer at once). Numbers are formatted into the object's slots, so
/// building parameters allocates nothing.
class PgParams {
 public:
  /// The most parameters one statement can take here.
  static constexpr int kMax = 32;

  /// Forgets every parameter, to build the next statement's.
  void clear() { count_ = 0; }
  /// Adds an integer parameter. Throws PgError beyond kMax parameters (as every add does).
  PgParams& add(std::int64_t value);
  /// Adds a double parameter in its shortest exact form.
  PgParams& add(double value);
  /// Adds a text parameter; `text` must outlive the send.
  PgParams& add(const std::string& text) { return add_text(text.c_str()); }
  /// Adds a text parameter; `text` must outlive the send (null: SQL NULL).
  PgParams& add(const char* text) { return add_text(text); }
  /// Adds a text parameter, or NULL when unset; the string must outlive the send.
  PgParams& add(const std::optional<std::string>& text) {
    return add_text(text ? text->c_str() : nullptr);
  }
  /// Adds a double parameter, or NULL when unset.
  PgParams& add(const std::optional<double>& value);
  /// Adds a SQL NULL parameter.
  PgParams& add_null() { return add_text(nullptr); }

  /// The number of parameters added.
  int size() const { return count_; }
  /// The parameters as libpq takes them (null entries are NULL).
  const char* const* values() const { return values_.data(); }

 private:
  PgParams& add_text(const char* text);
  char* slot();

  std::array<const char*, kMax> values_{};
  std::array<std::array<char, 32>, kMax> numbers_{};
  int count_ = 0;
};

/// One connection. Not thread-safe: each connection is used by one thread at a time.
class PgConnection {
 public:
  /// Connects to `url` (postgresql://... or postgres://..., libpq's URI form), with a 10 s
  /// connect timeout. Throws PgError with a message that names the server (not the password).
  explicit PgConnection(const std::string& url);
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  /// Runs SQL text without parameters (one or more statements). Throws PgError.
  void exec(const std::string& sql);
  /// Runs one statement with parameters and returns its result. Throws PgError.
  PgResult query(const std::string& sql, const PgParams& params = {});
  /// Prepares a named statement on this session. Throws PgError.
  void prepare(const char* name, const std::string& sql);
  /// Runs a prepared statement; the result may have failed (check it). Throws PgError only when
  /// the connection itself fails.
  PgResult run_prepared(const char* name, const PgParams& params);
  /// Runs `sql`, a `COPY ... FROM STDIN`, sending `data` as its input (outside pipeline mode).
  /// The result may have failed (check it); throws PgError only when the connection fails.
  PgResult copy_in(const std::string& sql, std::string_view data);

  // Pipeline mode: sends queue up without waiting; results come back in order.
  /// Enters libpq pipeline mode (nothing when already in it). Throws PgError.
  void enter_pipeline();
  /// Leaves pipeline mode (nothing when not in it); every result must have been read. Throws
  /// PgError.
  void exit_pipeline();
  /// Queues a run of a prepared statement without waiting for its result. Throws PgError.
  void send_prepared(const char* name, const PgParams& params);
  /// Queues SQL text without parameters (one statement) without waiting. Throws PgError.
  void send(const char* sql);
  /// Ends a pipeline segment: the server answers everything sent so far.
  void sync();
  /// The result of the next query sent (failed or PGRES_PIPELINE_ABORTED ones included).
  PgResult next_result();
  /// Consumes the answer to a sync().
  void read_sync();

  /// False once the connection to the server is lost.
  bool connected() const;
  /// True while a transaction is open (also when it failed and waits for ROLLBACK).
  bool in_transaction() const;
  /// Reconnects after a loss. Throws PgError.
  void reconnect();

  /// The URL without its password, for messages.
  const std::string& server() const { return server_; }
  /// The libpq connection, still owned by this object.
  pg_conn* handle() const { return conn_; }

 private:
  [[noreturn]] void fail(std::string_view context) const;

  pg_conn* conn_ = nullptr;
  std::string server_;
};

}  // namespace soket::store
