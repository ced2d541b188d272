#pragma once

#include "soket/store/backend.hpp"
#include "soket/store/postgres.hpp"

#include <memory>
#include <string>

namespace soket::store {

/// The PageReader's queries on a PostgreSQL connection of its own (same SQL as page_sql.hpp, in
/// PostgreSQL's parameter syntax).
class PostgresPages final : public PageBackend {
 public:
  /// Connects. Throws PgError.
  explicit PostgresPages(const StoreOptions& options);

  std::vector<Reading> readings(const std::string& device_id, const SeriesRange& r) override;
  std::vector<TextMessage> texts(const std::string& device_id, const SeriesRange& r) override;
  std::vector<std::int64_t> reading_times(const std::string& device_id,
                                          const SeriesRange& r) override;
  std::vector<Command> commands(const CommandRange& r) override;

 private:
  PgResult series(const std::string& select, const std::string& device_id, const SeriesRange& r,
                  std::string_view group_by);

  std::string url_;
  std::unique_ptr<PgConnection> db_;
};

}  // namespace soket::store
