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
  PgError(const std::string& what, std::string sqlstate = {})
      : StoreError(what), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

/// One result; rows and columns are 0-based, values in text format.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result) : result_(result) {}
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  /// True for a command or query that succeeded.
  bool ok() const;
  /// The server's message (and SQLSTATE) of a failed result.
  std::string error() const;
  std::string sqlstate() const;
  /// Throws PgError(context + message) unless ok().
  void check(std::string_view context) const;

  int rows() const;
  /// Rows an INSERT/UPDATE/DELETE touched.
  std::uint64_t affected() const;
  bool is_null(int row, int column) const;
  std::string_view text(int row, int column) const;
  std::string string(int row, int column) const { return std::string(text(row, column)); }
  std::int64_t int64(int row, int column) const;
  double real(int row, int column) const;
  std::optional<std::string> optional_string(int row, int column) const;
  std::optional<double> optional_real(int row, int column) const;
  std::optional<std::int64_t> optional_int64(int row, int column) const;

  pg_result* get() const { return result_; }

 private:
  pg_result* result_ = nullptr;
};

/// Up to kMax parameters in text format. Strings are not copied: they must outlive the send
/// (libpq copies them into its buffer at once). Numbers are formatted into the object's slots, so
/// building parameters allocates nothing.
class PgParams {
 public:
  static constexpr int kMax = 32;

  void clear() { count_ = 0; }
  PgParams& add(std::int64_t value);
  PgParams& add(double value);
  PgParams& add(const std::string& text) { return add_text(text.c_str()); }
  PgParams& add(const char* text) { return add_text(text); }
  PgParams& add(const std::optional<std::string>& text) {
    return add_text(text ? text->c_str() : nullptr);
  }
  PgParams& add(const std::optional<double>& value);
  PgParams& add_null() { return add_text(nullptr); }

  int size() const { return count_; }
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
  void enter_pipeline();
  void exit_pipeline();
  void send_prepared(const char* name, const PgParams& params);
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
  pg_conn* handle() const { return conn_; }

 private:
  [[noreturn]] void fail(std::string_view context) const;

  pg_conn* conn_ = nullptr;
  std::string server_;
};

}  // namespace soket::store
