#pragma once

#include <cstdint>

namespace soket::store {

/// A snapshot of the Writer's counters (all since it started).
struct WriterMetrics {
  std::uint64_t batches_committed = 0;    ///< transactions committed
  std::uint64_t batches_failed = 0;       ///< transactions that failed: every op got `failed`
  std::uint64_t ops_committed = 0;        ///< operations that got `ok`
  std::uint64_t ops_rejected = 0;         ///< operations that got `rejected`
  std::uint64_t ops_failed = 0;           ///< operations that got `failed`
  std::uint64_t rows_written = 0;         ///< rows inserted/updated by committed batches
  std::uint64_t submissions_refused = 0;  ///< submit() calls refused (queue full or stopped)
  std::uint64_t last_batch_size = 0;      ///< operations in the last batch
  std::uint64_t last_batch_us = 0;        ///< applying + committing the last batch, microseconds
  std::uint64_t avg_batch_us = 0;         ///< mean of that over all batches
  std::uint64_t max_batch_us = 0;         ///< longest of that, microseconds
  std::uint64_t last_ack_delay_us = 0;    ///< oldest op of the last batch: submit -> durable
  std::uint64_t syncs = 0;                ///< syncs made apart from the commits (SQLite, full)
  std::uint64_t last_sync_us = 0;         ///< the last of those, microseconds
  std::uint64_t queue_depth = 0;          ///< operations waiting now
};

}  // namespace soket::store
