#pragma once

#include "soket/store/backend.hpp"
#include "soket/store/sqlite.hpp"

#include <array>
#include <memory>

namespace soket::store {

/// The PageReader's queries on a read-only SQLite connection (SQL in page_sql.hpp).
class SqlitePages final : public PageBackend {
 public:
  /// Opens the database of `options` read-only and prepares the queries. Throws SqliteError.
  explicit SqlitePages(const StoreOptions& options);

  std::vector<Reading> readings(const std::string& device_id, const SeriesRange& r) override;
  std::vector<TextMessage> texts(const std::string& device_id, const SeriesRange& r) override;
  std::vector<std::int64_t> reading_times(const std::string& device_id,
                                          const SeriesRange& r) override;
  std::vector<Command> commands(const CommandRange& r) override;

 private:
  std::unique_ptr<Database> db_;
  Statement readings_asc_, readings_desc_;
  Statement times_asc_, times_desc_;
  Statement texts_asc_, texts_desc_;
  std::array<Statement, 8> commands_;  // by [device][state][newest_first]
};

}  // namespace soket::store
