#pragma once

#include "soket/store/backend.hpp"
#include "soket/store/postgres.hpp"

#include <memory>
#include <string>

namespace soket::store {

/// The Reader's queries on a PostgreSQL connection of its own (autocommit: each query sees what
/// was committed before it started). A lost connection is opened again (see read_query()).
class PostgresReader final : public ReaderBackend {
 public:
  /// Connects. Throws PgError.
  explicit PostgresReader(const StoreOptions& options);

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
  PgResult query(const std::string& sql, const PgParams& params = {});

  std::string url_;
  std::unique_ptr<PgConnection> db_;
};

/// Runs a read-only query on `db`, connecting first when there is no usable connection. When the
/// connection turns out to be lost (a server restart), the query runs once more on a new one:
/// reads are safe to repeat.
PgResult read_query(std::unique_ptr<PgConnection>& db, const std::string& url,
                    const std::string& sql, const PgParams& params = {});

}  // namespace soket::store
