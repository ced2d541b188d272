#pragma once

#include "soket/store/backend.hpp"
#include "soket/store/op_applier.hpp"
#include "soket/store/sqlite.hpp"
#include "soket/store/wal_file_sync.hpp"

#include <memory>

namespace soket::store {

/// The writer's batches on SQLite: BEGIN IMMEDIATE, OpApplier, COMMIT; with SyncMode::full, the
/// WAL's fsync apart from the commit (WalFileSync).
class SqliteBatch final : public BatchBackend {
 public:
  /// Opens the writer connection and brings the schema up to date. Throws SqliteError.
  explicit SqliteBatch(const StoreOptions& options);

  void begin() override;
  void apply(const WriteOp& op, WriteResult& result) override { result = applier_->apply(op); }
  std::uint64_t commit() override;
  void rollback() noexcept override;
  /// With SyncMode::full: commits are not fsync'ed by SQLite, sync() does it for the WAL.
  bool syncs_apart() const override { return wal_sync_ != nullptr; }
  void sync() override { wal_sync_->sync(); }

 private:
  std::unique_ptr<Database> db_;
  std::unique_ptr<WalFileSync> wal_sync_;  // SyncMode::full only
  std::unique_ptr<OpApplier> applier_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  std::int64_t changes_before_ = 0;
};

}  // namespace soket::store
