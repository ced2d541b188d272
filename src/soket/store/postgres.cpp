#include "soket/store/postgres.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

namespace soket::store {
namespace {

std::string trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

std::int64_t parse_int64(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    throw PgError("not an integer: '" + std::string(text) + "'");
  return value;
}

double parse_double(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    // The server writes these words; the schema keeps them out, but do not misread one.
    if (text == "NaN") return std::nan("");
    if (text == "Infinity") return HUGE_VAL;
    if (text == "-Infinity") return -HUGE_VAL;
    throw PgError("not a number: '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

// --- PgResult

PgResult::PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

PgResult::~PgResult() {
  PQclear(result_);
}

bool PgResult::ok() const {
  if (result_ == nullptr) return false;
  auto status = PQresultStatus(result_);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

std::string PgResult::error() const {
  if (result_ == nullptr) return "no result";
  if (PQresultStatus(result_) == PGRES_PIPELINE_ABORTED)
    return "not run: an earlier statement of the pipeline failed";
  if (const char* primary = PQresultErrorField(result_, PG_DIAG_MESSAGE_PRIMARY)) return primary;
  return trimmed(PQresultErrorMessage(result_));
}

std::string PgResult::sqlstate() const {
  const char* state = result_ != nullptr ? PQresultErrorField(result_, PG_DIAG_SQLSTATE) : nullptr;
  return state != nullptr ? state : "";
}

void PgResult::check(std::string_view context) const {
  if (!ok()) throw PgError(std::string(context) + ": " + error(), sqlstate());
}

int PgResult::rows() const {
  return result_ != nullptr ? PQntuples(result_) : 0;
}

std::uint64_t PgResult::affected() const {
  const char* count = result_ != nullptr ? PQcmdTuples(result_) : "";
  if (count == nullptr || *count == '\0') return 0;
  return static_cast<std::uint64_t>(parse_int64(count));
}

bool PgResult::is_null(int row, int column) const {
  return PQgetisnull(result_, row, column) != 0;
}

std::string_view PgResult::text(int row, int column) const {
  return {PQgetvalue(result_, row, column),
          static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

std::int64_t PgResult::int64(int row, int column) const {
  return parse_int64(text(row, column));
}

double PgResult::real(int row, int column) const {
  return parse_double(text(row, column));
}

std::optional<std::string> PgResult::optional_string(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return string(row, column);
}

std::optional<double> PgResult::optional_real(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return real(row, column);
}

std::optional<std::int64_t> PgResult::optional_int64(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return int64(row, column);
}

// --- PgParams

char* PgParams::slot() {
  if (count_ >= kMax) throw PgError("too many statement parameters");
  return numbers_[static_cast<std::size_t>(count_)].data();
}

PgParams& PgParams::add_text(const char* text) {
  if (count_ >= kMax) throw PgError("too many statement parameters");
  values_[static_cast<std::size_t>(count_++)] = text;
  return *this;
}

PgParams& PgParams::add(std::int64_t value) {
  char* out = slot();
  auto [end, ec] = std::to_chars(out, out + 31, value);
  *end = '\0';
  return add_text(out);
}

PgParams& PgParams::add(double value) {
  // Shortest form that reads back as the same double: PostgreSQL's float8 input is exact.
  char* out = slot();
  auto [end, ec] = std::to_chars(out, out + 31, value);
  *end = '\0';
  return add_text(out);
}

PgParams& PgParams::add(const std::optional<double>& value) {
  return value ? add(*value) : add_null();
}

// --- PgConnection

PgConnection::PgConnection(const std::string& url) : server_(redact_url(url)) {
  if (auto reason = check_postgres_url(url))
    throw PgError("bad PostgreSQL URL " + server_ + ": " + *reason);
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), "10", "soket", nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) throw PgError("cannot connect to PostgreSQL at " + server_ + ": no memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("cannot connect to PostgreSQL at " + server_ + ": " + message);
  }
  // Notices (e.g. "relation already exists, skipping") are not errors: keep them off stderr.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

void PgConnection::fail(std::string_view context) const {
  throw PgError(std::string(context) + ": " + trimmed(PQerrorMessage(conn_)));
}

void PgConnection::exec(const std::string& sql) {
  PgResult result(PQexec(conn_, sql.c_str()));
  if (result.get() == nullptr) fail("exec");
  result.check(sql.size() > 60 ? sql.substr(0, 60) + "..." : sql);
}

PgResult PgConnection::query(const std::string& sql, const PgParams& params) {
  PgResult result(PQexecParams(conn_, sql.c_str(), params.size(), nullptr, params.values(), nullptr,
                               nullptr, 0));
  if (result.get() == nullptr) fail("query");
  result.check("query");
  return result;
}

void PgConnection::prepare(const char* name, const std::string& sql) {
  PgResult result(PQprepare(conn_, name, sql.c_str(), 0, nullptr));
  if (result.get() == nullptr) fail("prepare");
  result.check(std::string("prepare ") + name);
}

PgResult PgConnection::run_prepared(const char* name, const PgParams& params) {
  PgResult result(PQexecPrepared(conn_, name, params.size(), params.values(), nullptr, nullptr, 0));
  if (result.get() == nullptr || !connected()) fail(name);
  return result;
}

PgResult PgConnection::copy_in(const std::string& sql, std::string_view data) {
  PgResult start(PQexec(conn_, sql.c_str()));
  if (start.get() == nullptr) fail("COPY");
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) return start;  // refused before any data
  // libpq buffers what it is given; pieces of this size keep its buffer small.
  constexpr std::size_t kPiece = 256 * 1024;
  for (std::size_t at = 0; at < data.size(); at += kPiece) {
    auto size = static_cast<int>(std::min(kPiece, data.size() - at));
    if (PQputCopyData(conn_, data.data() + at, size) != 1) fail("COPY data");
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) fail("COPY end");
  PgResult result(PQgetResult(conn_));
  if (result.get() == nullptr) fail("COPY result");
  while (PGresult* extra = PQgetResult(conn_))
    PQclear(extra);
  return result;
}

void PgConnection::enter_pipeline() {
  if (PQpipelineStatus(conn_) == PQ_PIPELINE_OFF && PQenterPipelineMode(conn_) != 1)
    fail("enter pipeline mode");
}

void PgConnection::exit_pipeline() {
  if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF && PQexitPipelineMode(conn_) != 1)
    fail("exit pipeline mode");
}

void PgConnection::send_prepared(const char* name, const PgParams& params) {
  if (PQsendQueryPrepared(conn_, name, params.size(), params.values(), nullptr, nullptr, 0) != 1)
    fail(name);
}

void PgConnection::send(const char* sql) {
  if (PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) fail(sql);
}

void PgConnection::sync() {
  if (PQpipelineSync(conn_) != 1) fail("pipeline sync");
}

PgResult PgConnection::next_result() {
  PgResult result(PQgetResult(conn_));
  if (result.get() == nullptr) fail("read result");
  // Each query's results end with a null.
  while (PGresult* extra = PQgetResult(conn_))
    PQclear(extra);
  return result;
}

void PgConnection::read_sync() {
  PgResult result(PQgetResult(conn_));
  if (result.get() == nullptr || PQresultStatus(result.get()) != PGRES_PIPELINE_SYNC)
    fail("read pipeline sync");
}

bool PgConnection::connected() const {
  return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}

bool PgConnection::in_transaction() const {
  auto status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

void PgConnection::reconnect() {
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK)
    throw PgError("cannot reconnect to PostgreSQL at " + server_ + ": " +
                  trimmed(PQerrorMessage(conn_)));
}

std::optional<std::string> check_postgres_url(std::string_view url) {
  if (!url.starts_with("postgresql://") && !url.starts_with("postgres://"))
    return "it must start with postgresql:// or postgres://";
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(url).c_str(), &error);
  if (options == nullptr) {
    std::string reason = error != nullptr ? trimmed(error) : "cannot parse it";
    PQfreemem(error);
    return reason;
  }
  PQconninfoFree(options);
  return std::nullopt;
}

std::string redact_url(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto authority_end = url.find_first_of("/?", scheme + 3);
  auto at = url.rfind('@', authority_end);
  if (at == std::string_view::npos || at < scheme + 3) return std::string(url);
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

}  // namespace soket::store
