#pragma once

#include "soket/store/backend.hpp"
#include "soket/store/sqlite.hpp"

#include <memory>

namespace soket::store {

/// The Reader's queries on a read-only SQLite connection, with statements prepared once.
class SqliteReader final : public ReaderBackend {
 public:
  /// Opens the database of `options` read-only and prepares every query. Throws SqliteError.
  explicit SqliteReader(const StoreOptions& options);

  std::vector<Device> devices() override;
  std::optional<Device> device(const std::string& id) override;
  std::vector<Reading> readings(const std::string& device_id, std::int64_t from, std::int64_t to,
                                std::int64_t limit, bool newest_first) override;
  std::optional<std::pair<std::int64_t, std::int64_t>> numeric_span(const std::string& device_id,
                                                                    std::int64_t from,
                                                                    std::int64_t to) override;
  std::vector<ReadingBucket> buckets(const std::string& device_id, std::int64_t first,
                                     std::int64_t last, std::int64_t width) override;
  std::vector<LatestValue> latest_values() override;
  std::vector<TextMessage> text_messages(const std::string& device_id, std::int64_t limit) override;
  std::vector<Command> pending_commands(const std::string& device_id, bool include_sent,
                                        std::int64_t limit) override;
  std::optional<Command> command(std::int64_t id) override;
  std::vector<ChatMessage> recent_chat(std::int64_t limit) override;
  std::vector<Alert> recent_alerts(std::int64_t limit) override;
  std::int64_t alert_count(std::int64_t since) override;

 private:
  std::unique_ptr<Database> db_;
  Statement devices_;
  Statement device_;
  Statement readings_asc_;
  Statement readings_desc_;
  Statement readings_span_;
  Statement readings_buckets_;
  Statement texts_;
  Statement latest_;
  Statement pending_;
  Statement pending_or_sent_;
  Statement command_;
  Statement chat_;
  Statement alerts_;
  Statement alert_count_;
};

}  // namespace soket::store
