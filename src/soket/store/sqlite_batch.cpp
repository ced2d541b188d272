#include "soket/store/sqlite_batch.hpp"

#include "soket/store/connection.hpp"
#include "soket/store/schema.hpp"
#include "soket/util/log.hpp"

#include <sqlite3.h>

#include <exception>

namespace soket::store {

namespace {

// With SyncMode::full the connection commits with synchronous=NORMAL and the WAL is synced apart
// (WalFileSync), so that the next batch is applied while the last one's fsync runs.
StoreOptions writer_connection_options(StoreOptions options) {
  options.sync = SyncMode::normal;
  return options;
}

}  // namespace

SqliteBatch::SqliteBatch(const StoreOptions& options)
    : db_(open_connection(writer_connection_options(options), ConnectionRole::writer)) {
  migrate(*db_);
  if (options.sync == SyncMode::full) {
    wal_sync_ = std::make_unique<WalFileSync>(
        sqlite3_filename_wal(sqlite3_db_filename(db_->handle(), "main")));
    wal_sync_->sync();  // the migration's commits
  }
  applier_ = std::make_unique<OpApplier>(*db_);
  // IMMEDIATE: take the write lock at BEGIN, so a busy database fails the batch up front.
  begin_ = Statement(*db_, "BEGIN IMMEDIATE");
  commit_ = Statement(*db_, "COMMIT");
  rollback_ = Statement(*db_, "ROLLBACK");
}

void SqliteBatch::begin() {
  applier_->forget_latest();
  changes_before_ = sqlite3_total_changes64(db_->handle());
  StatementScope scope(begin_);
  begin_.run();
}

std::uint64_t SqliteBatch::commit() {
  // The latest-values table is bookkeeping, not rows the operations wrote.
  auto changes_before_latest = sqlite3_total_changes64(db_->handle());
  applier_->flush_latest();
  changes_before_ += sqlite3_total_changes64(db_->handle()) - changes_before_latest;
  {
    StatementScope scope(commit_);
    commit_.run();
  }
  return static_cast<std::uint64_t>(sqlite3_total_changes64(db_->handle()) - changes_before_);
}

void SqliteBatch::rollback() noexcept {
  applier_->forget_latest();
  if (!db_->in_transaction()) return;
  try {
    StatementScope scope(rollback_);
    rollback_.run();
  } catch (const std::exception& e) {
    spdlog::error("store: rollback failed: {}", e.what());
  }
}

}  // namespace soket::store
