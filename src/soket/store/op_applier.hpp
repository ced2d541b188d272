#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include "soket/store/sqlite.hpp"
#include "soket/store/write_ops.hpp"

namespace soket::store {

/// Applies write operations with statements prepared once, inside a transaction the caller owns.
/// Used only by the Writer's thread.
class OpApplier {
 public:
  /// Prepares every statement on `db`, the Writer's connection. Throws SqliteError.
  explicit OpApplier(Database& db);

  /// Applies one (already validated) operation atomically. A refusal (constraint violation, unknown
  /// device, wrong command state) undoes only this operation and is returned as
  /// WriteStatus::rejected; the transaction stays usable. Throws SqliteError for anything that
  /// breaks the transaction itself.
  WriteResult apply(const WriteOp& op);

  /// Writes the latest value of every (device, key) the batch's readings touched, once per pair
  /// (the batch's operations must still be alive: what is noted points into them). Call before
  /// the commit; forget_latest() when the batch is abandoned.
  void flush_latest();
  /// Drops what flush_latest() would write (the batch was abandoned).
  void forget_latest() { latest_.clear(); }

 private:
  WriteResult apply_one(const UpsertDevice& op);
  WriteResult apply_one(const MarkAllOffline& op);
  WriteResult apply_one(const InsertReadings& op);
  WriteResult apply_one(const InsertText& op);
  WriteResult apply_one(const EnqueueCommand& op);
  WriteResult apply_one(const MarkCommandSent& op);
  WriteResult apply_one(const MarkCommandAcked& op);
  WriteResult apply_one(const MarkCommandFailed& op);
  WriteResult apply_one(const InsertChat& op);
  WriteResult apply_one(const InsertAlert& op);

  /// Explains why a state change of command `id` matched no row.
  WriteResult refuse_transition(std::int64_t id, std::string_view wanted);

  struct Noted {
    std::string_view device;
    std::string_view key;
    std::int64_t ts;
    double value;
  };
  void note_latest(const InsertReadings& op);

  Database& db_;
  std::vector<Noted> latest_;  // this batch's numeric samples, in order; capacity is kept
  Statement upsert_latest_;
  Statement upsert_device_;
  Statement mark_all_offline_;
  Statement insert_reading_;
  /// insert_rows_[n - 1]: one INSERT of n readings rows (prepared on first use). One statement is
  /// atomic by itself, so a message of up to kRowsPerInsert values needs no savepoint.
  static constexpr std::size_t kRowsPerInsert = 8;
  std::array<Statement, kRowsPerInsert> insert_rows_;
  Statement& insert_rows(std::size_t n);
  Statement insert_text_;
  Statement insert_command_;
  Statement mark_sent_;
  Statement mark_resent_;
  Statement mark_acked_;
  Statement mark_failed_;
  Statement command_state_;
  Statement insert_chat_;
  Statement insert_alert_;
  Statement savepoint_;
  Statement release_;
  Statement rollback_to_;
};

}  // namespace soket::store
