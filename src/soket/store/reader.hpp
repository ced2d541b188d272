#pragma once

#include "soket/store/backend.hpp"
#include "soket/store/options.hpp"
#include "soket/store/types.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace soket::store {

/// Which end of a range a limited query returns.
///
/// `oldest_first`: the oldest rows of the range, oldest first; `newest_first`: the newest rows of
/// the range, newest first.
enum class Order { oldest_first, newest_first };

/// Synchronous queries on a read-only connection of its own. Thread-safe (calls are serialized by
/// a mutex); WAL (SQLite) or MVCC (PostgreSQL) lets them run while the Writer commits. Each call
/// sees the data committed before it started.
///
/// Bad arguments (a limit outside 1..kMaxRows, from > to, max_points outside 1..kMaxPoints) throw
/// std::invalid_argument with a message fit for a 400 response; database errors throw StoreError.
class Reader {
 public:
  /// The largest `limit` a query takes.
  static constexpr std::int64_t kMaxRows = 100000;
  /// The largest `max_points` of readings_downsampled().
  static constexpr std::int64_t kMaxPoints = 10000;

  /// Opens the read connection. The schema must exist: construct the Writer first.
  explicit Reader(const StoreOptions& options);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  /// Every device, by id.
  std::vector<Device> devices();
  /// The device `id`, or nullopt when the store does not know it.
  std::optional<Device> device(const std::string& id);

  /// Readings of a device with from <= ts <= to, by ts (then insertion order), at most `limit`:
  /// the oldest ones of the range with Order::oldest_first, the newest with Order::newest_first
  /// (which also returns them newest first).
  std::vector<Reading> readings(const std::string& device_id, std::int64_t from, std::int64_t to,
                                std::int64_t limit, Order order = Order::oldest_first);

  /// Numeric readings of a device in [from, to] for a chart: the time span actually covered by
  /// data is cut into at most `max_points` equal buckets, and each key gets one point per non-empty
  /// bucket (count, avg, min, max). Sorted by key, then bucket start.
  std::vector<ReadingBucket> readings_downsampled(const std::string& device_id, std::int64_t from,
                                                  std::int64_t to, std::int64_t max_points);

  /// The latest numeric value of every key of every device, by device and key.
  std::vector<LatestValue> latest_values();

  /// The last `limit` text messages of a device, oldest first.
  std::vector<TextMessage> text_messages(const std::string& device_id, std::int64_t limit);

  /// Commands of a device still to deliver, in the order they were queued (state queued, and also
  /// sent-but-not-acked ones when include_sent is true), at most `limit`.
  std::vector<Command> pending_commands(const std::string& device_id, bool include_sent = false,
                                        std::int64_t limit = kMaxRows);
  /// The command `id`, or nullopt when there is none.
  std::optional<Command> command(std::int64_t id);

  /// The last `limit` chat messages, oldest first (ready to replay to someone joining).
  std::vector<ChatMessage> recent_chat(std::int64_t limit);

  /// The last `limit` alerts, oldest first.
  std::vector<Alert> recent_alerts(std::int64_t limit);
  /// How many alerts were raised at or after `since` (ms since the epoch; 0: all of them).
  std::int64_t alert_count(std::int64_t since = 0);

 private:
  std::mutex mutex_;
  std::unique_ptr<ReaderBackend> backend_;
};

}  // namespace soket::store
