#pragma once

#include "soket/store/backend.hpp"
#include "soket/store/options.hpp"
#include "soket/store/page.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace soket::store {

/// Paged queries for the REST API, on a read-only connection of its own (thread-safe, calls are
/// serialized). Every query walks an index and reads at most about `limit` rows.
///
/// Bad arguments (a limit out of range, from > to) throw std::invalid_argument with a message fit
/// for a 400 response; database errors throw StoreError.
class PageReader {
 public:
  static constexpr std::int64_t kMaxRows = 100000;    ///< readings or messages in one page
  static constexpr std::int64_t kMaxTimes = 10000;    ///< timestamps in one page by time
  static constexpr std::int64_t kMaxCommands = 1000;  ///< commands in one page

  /// Opens the read connection. The schema must exist: construct the Writer first.
  explicit PageReader(const StoreOptions& options);
  PageReader(const PageReader&) = delete;
  PageReader& operator=(const PageReader&) = delete;
  ~PageReader();

  /// Readings of a device, query.limit of them (1..kMaxRows).
  Page<Reading> readings(const std::string& device_id, const SeriesQuery& query);

  /// Readings of a device for whole timestamps: query.limit (1..kMaxTimes) distinct timestamps
  /// with every reading at each (within the cursors), at most kMaxRows readings in all: the rows
  /// of a table with one row per timestamp.
  Page<Reading> readings_by_time(const std::string& device_id, const SeriesQuery& query);

  /// Free-text messages of a device, query.limit of them (1..kMaxRows).
  Page<TextMessage> texts(const std::string& device_id, const SeriesQuery& query);

  /// Commands, query.limit of them (1..kMaxCommands).
  CommandPage commands(const CommandQuery& query);

 private:
  template <typename Row, typename Query>
  Page<Row> series_page(Query query_rows, const SeriesQuery& query, std::int64_t lo,
                        std::int64_t hi, std::int64_t limit);

  std::mutex mutex_;
  std::unique_ptr<PageBackend> backend_;
};

}  // namespace soket::store
