#pragma once

#include "soket/store/options.hpp"
#include "soket/store/page.hpp"
#include "soket/store/types.hpp"
#include "soket/store/write_ops.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// What the Writer, Reader and PageReader need from a database: one implementation per backend
// (sqlite_*.cpp, postgres_*.cpp). Errors are StoreError (SqliteError, PgError).
namespace soket::store {

/// The writer's side: one batch = begin, apply every operation, commit (or rollback).
class BatchBackend {
 public:
  virtual ~BatchBackend() = default;

  /// Opens the batch's transaction (reconnecting first if the connection was lost).
  virtual void begin() = 0;
  /// Applies one validated operation; its outcome is written to `result` at the latest by
  /// commit() (a pipelining backend learns it late). `op` and `result` must stay alive and in
  /// place until commit() or rollback() returns. A refusal (unknown device, wrong command state, a
  /// constraint) undoes only this operation and is reported as WriteStatus::rejected.
  virtual void apply(const WriteOp& op, WriteResult& result) = 0;
  /// Writes the batch's latest values and commits. Returns the rows the operations wrote.
  /// Throws when the transaction fails: then nothing of the batch is written.
  virtual std::uint64_t commit() = 0;
  /// Abandons the batch after a failure (rolls back what is still open). Does not throw.
  virtual void rollback() noexcept = 0;
  /// True when commit() leaves the batch durable only after a later sync(): the Writer then
  /// completes a batch's operations once a sync that began after its commit has returned, and
  /// meanwhile applies the next batch.
  virtual bool syncs_apart() const { return false; }
  /// Makes every batch committed before this call durable. Called from another thread than
  /// begin/apply/commit/rollback, also while they run. Throws StoreError.
  virtual void sync() {}
};

/// The Reader's queries, arguments already checked.
class ReaderBackend {
 public:
  virtual ~ReaderBackend() = default;
  /// Every device, by id.
  virtual std::vector<Device> devices() = 0;
  /// The device `id`, or nullopt when the store does not know it.
  virtual std::optional<Device> device(const std::string& id) = 0;
  /// Readings of a device with from <= ts <= to, by ts then id, at most `limit`: the oldest of the
  /// range, or the newest (returned newest first) when `newest_first`.
  virtual std::vector<Reading> readings(const std::string& device_id, std::int64_t from,
                                        std::int64_t to, std::int64_t limit, bool newest_first) = 0;
  /// min(ts), max(ts) of the numeric readings in [from, to]; nullopt when there are none.
  virtual std::optional<std::pair<std::int64_t, std::int64_t>> numeric_span(
      const std::string& device_id, std::int64_t from, std::int64_t to) = 0;
  /// Buckets (ts - first) / width of the numeric readings in [first, last], by key and bucket.
  virtual std::vector<ReadingBucket> buckets(const std::string& device_id, std::int64_t first,
                                             std::int64_t last, std::int64_t width) = 0;
  /// The latest numeric value of every key of every device, by device and key.
  virtual std::vector<LatestValue> latest_values() = 0;
  /// The last `limit` text messages of a device, oldest first.
  virtual std::vector<TextMessage> text_messages(const std::string& device_id,
                                                 std::int64_t limit) = 0;
  /// Commands of a device still to deliver, in queue order: queued ones, and sent-but-not-acked
  /// ones too with `include_sent`; at most `limit`.
  virtual std::vector<Command> pending_commands(const std::string& device_id, bool include_sent,
                                                std::int64_t limit) = 0;
  /// The command `id`, or nullopt when there is none.
  virtual std::optional<Command> command(std::int64_t id) = 0;
  /// The last `limit` chat messages, oldest first.
  virtual std::vector<ChatMessage> recent_chat(std::int64_t limit) = 0;
  /// The last `limit` alerts, oldest first.
  virtual std::vector<Alert> recent_alerts(std::int64_t limit) = 0;
  /// How many alerts were raised at or after `since` (ms since the epoch).
  virtual std::int64_t alert_count(std::int64_t since) = 0;
};

/// The rows of one device's series strictly between two (ts, id) cursors, ts in [lo, hi].
struct SeriesRange {
  /// The ts range, inclusive: lo <= ts <= hi (ms since the epoch).
  std::int64_t lo = 0, hi = 0;  ///< hi: the end of the range
  /// The `after` cursor: only rows after (after_ts, after_id); the lowest value when none.
  std::int64_t after_ts = 0, after_id = 0;  ///< after_id: the cursor's row id
  /// The `before` cursor: only rows before (before_ts, before_id); the highest value when none.
  std::int64_t before_ts = 0, before_id = 0;  ///< before_id: the cursor's row id
  /// At most this many rows.
  std::int64_t limit = 0;
  /// Return the rows in descending (ts, id) order, the newest first.
  bool newest_first = false;
};

/// Commands with after < id < before, optionally of one device and one state.
struct CommandRange {
  /// Only this device's commands; null: every device's.
  const std::string* device = nullptr;
  /// Only commands in this state; none: any state.
  std::optional<CommandState> state{};
  /// Only commands with after < id < before.
  std::int64_t after = 0, before = 0;  ///< before: the upper id bound
  /// At most this many rows.
  std::int64_t limit = 0;
  /// Return the commands by descending id, the newest first.
  bool newest_first = false;
};

/// The PageReader's queries, in (ts, id) order (reversed when newest_first), at most `limit` rows.
class PageBackend {
 public:
  virtual ~PageBackend() = default;
  /// The readings of a device in `r`.
  virtual std::vector<Reading> readings(const std::string& device_id, const SeriesRange& r) = 0;
  /// The text messages of a device in `r`.
  virtual std::vector<TextMessage> texts(const std::string& device_id, const SeriesRange& r) = 0;
  /// The distinct timestamps of the readings in the range.
  virtual std::vector<std::int64_t> reading_times(const std::string& device_id,
                                                  const SeriesRange& r) = 0;
  /// The commands in `r`, by id.
  virtual std::vector<Command> commands(const CommandRange& r) = 0;
};

/// The backend options name: SQLite at options.path, or PostgreSQL at options.url.
std::unique_ptr<BatchBackend> open_batch_backend(const StoreOptions& options);
/// The Reader's queries on the database of `options` (SQLite or PostgreSQL).
std::unique_ptr<ReaderBackend> open_reader_backend(const StoreOptions& options);
/// The PageReader's queries on the database of `options` (SQLite or PostgreSQL).
std::unique_ptr<PageBackend> open_page_backend(const StoreOptions& options);

}  // namespace soket::store
