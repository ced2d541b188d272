#include "soket/store/sqlite.hpp"

#include <sqlite3.h>

#include <climits>
#include <utility>

namespace soket::store {
namespace {

[[noreturn]] void throw_error(sqlite3* db, int code, std::string_view context) {
  std::string what(context);
  what += ": ";
  what += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  int extended = db != nullptr ? sqlite3_extended_errcode(db) : code;
  throw SqliteError(extended, what);
}

int text_size(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(INT_MAX))
    throw SqliteError(SQLITE_TOOBIG, "text too large to bind");
  return static_cast<int>(text.size());
}

}  // namespace

bool SqliteError::is_constraint() const {
  return (code_ & 0xff) == SQLITE_CONSTRAINT;
}

Statement::Statement(Database& db, std::string_view sql) : db_(db.handle()) {
  int rc = sqlite3_prepare_v3(db_, sql.data(), text_size(sql), SQLITE_PREPARE_PERSISTENT, &stmt_,
                              nullptr);
  if (rc != SQLITE_OK) throw_error(db_, rc, "prepare \"" + std::string(sql) + "\"");
}

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::bind(int index, std::int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK)
    throw_error(db_, rc, "bind");
}

void Statement::bind(int index, double value) {
  if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK)
    throw_error(db_, rc, "bind");
}

void Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT copies: the caller's buffer may not outlive the statement's next step.
  if (int rc = sqlite3_bind_text(stmt_, index, text.data(), text_size(text), SQLITE_TRANSIENT);
      rc != SQLITE_OK)
    throw_error(db_, rc, "bind");
}

void Statement::bind_static(int index, std::string_view text) {
  if (int rc = sqlite3_bind_text(stmt_, index, text.data(), text_size(text), SQLITE_STATIC);
      rc != SQLITE_OK)
    throw_error(db_, rc, "bind");
}

void Statement::bind_static(int index, const std::optional<std::string>& text) {
  if (text)
    bind_static(index, std::string_view(*text));
  else
    bind_null(index);
}

void Statement::bind_null(int index) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) throw_error(db_, rc, "bind");
}

void Statement::bind(int index, const std::optional<std::string>& text) {
  if (text)
    bind(index, std::string_view(*text));
  else
    bind_null(index);
}

void Statement::bind(int index, const std::optional<double>& value) {
  if (value)
    bind(index, *value);
  else
    bind_null(index);
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string context = std::string("step \"") + sqlite3_sql(stmt_) + "\"";
  // Reset before throwing so the statement can be reused; the error stays in the connection.
  int extended = sqlite3_extended_errcode(db_);
  std::string message = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw SqliteError(extended, context + ": " + message);
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() noexcept {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

double Statement::column_double(int index) const {
  return sqlite3_column_double(stmt_, index);
}

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::optional<double> Statement::column_optional_double(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_double(index);
}

std::optional<std::string> Statement::column_optional_text(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_text(index);
}

Database::Database(const std::string& path) {
  // Memory statistics take a global mutex on every allocation; the store does not use them.
  // Only possible before SQLite initializes, hence once, before the first connection.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  // NOMUTEX: each connection is confined to one thread (or guarded by its owner's mutex).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw SqliteError(rc, "open " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
  std::string copy(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string what = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw SqliteError(sqlite3_extended_errcode(db_), "exec \"" + copy + "\": " + what);
  }
}

std::optional<std::int64_t> Database::query_int(std::string_view sql) {
  Statement stmt(*this, sql);
  if (!stmt.step()) return std::nullopt;
  return stmt.column_int64(0);
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const {
  return sqlite3_changes(db_);
}

bool Database::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

}  // namespace soket::store
