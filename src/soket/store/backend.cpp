#include "soket/store/backend.hpp"

#include "soket/store/postgres_batch.hpp"
#include "soket/store/postgres_pages.hpp"
#include "soket/store/postgres_reader.hpp"
#include "soket/store/sqlite_batch.hpp"
#include "soket/store/sqlite_pages.hpp"
#include "soket/store/sqlite_reader.hpp"

namespace soket::store {
namespace {

bool postgres(const StoreOptions& options) {
  if (options.url.empty()) return false;
  if (!is_postgres_url(options.url))
    throw StoreError("unsupported store URL '" + redact_url(options.url) +
                     "': use postgresql://user@host:port/database (or postgres://)");
  return true;
}

}  // namespace

std::unique_ptr<BatchBackend> open_batch_backend(const StoreOptions& options) {
  if (postgres(options)) return std::make_unique<PostgresBatch>(options);
  return std::make_unique<SqliteBatch>(options);
}

std::unique_ptr<ReaderBackend> open_reader_backend(const StoreOptions& options) {
  if (postgres(options)) return std::make_unique<PostgresReader>(options);
  return std::make_unique<SqliteReader>(options);
}

std::unique_ptr<PageBackend> open_page_backend(const StoreOptions& options) {
  if (postgres(options)) return std::make_unique<PostgresPages>(options);
  return std::make_unique<SqlitePages>(options);
}

}  // namespace soket::store
