#pragma once

#include "soket/store/backend.hpp"
#include "soket/store/postgres.hpp"
#include "soket/store/postgres_bulk.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace soket::store {

/// The writer's batches on PostgreSQL, in pipeline mode: BEGIN and one prepared statement per
/// operation go out without waiting for each answer, so a batch costs a few round trips, not one
/// per operation. Readings, the bulk of the traffic, are set aside and written at the commit with
/// one binary COPY for the whole batch (ids taken from the sequence first, in operation order),
/// then their latest values with one statement, then COMMIT.
///
/// A reading is kept when its device existed before the batch or an earlier operation of the
/// batch created it, as if it had been written in its place: one query finds which of the batch's
/// devices exist, and a device a reading names before its first UpsertDevice in the batch is
/// looked up (pipelined) just before that upsert. A reading of an unknown device is refused alone.
///
/// A refusal must undo only its own operation. Most refusals are found without an error: the
/// statements insert only when the device exists and report a command's state when it cannot
/// change, so nothing fails. Anything else the server refuses (a constraint, a trigger) aborts a
/// pipelined transaction or the COPY; then the batch is rolled back and run again one statement
/// at a time (one INSERT per reading message, no COPY), each operation under its own savepoint,
/// so the refused one is undone alone. Errors that are not about one operation (lock timeout,
/// lost connection, server shutting down) fail the batch; the connection is dropped and the next
/// batch connects again.
class PostgresBatch final : public BatchBackend {
 public:
  /// Connects, brings the schema up to date and prepares the statements. Throws PgError.
  explicit PostgresBatch(const StoreOptions& options);

  void begin() override;
  void apply(const WriteOp& op, WriteResult& result) override;
  std::uint64_t commit() override;
  void rollback() noexcept override;

 private:
  enum class Kind : std::uint8_t {
    control,        // BEGIN, COMMIT, latest values: no operation's result
    probe,          // did the device of this UpsertDevice exist before it (t/f)
    plain,          // ok; counts the rows it touched
    readings,       // INSERT ... RETURNING id of some samples; no row: unknown device
    readings_last,  // the same, the operation's last statement
    row,            // INSERT ... RETURNING id of one row; no row: unknown device
    transition,     // (rows changed, state before) of a command
  };
  static constexpr std::uint32_t kNoSlot = UINT32_MAX;
  struct Slot {
    const WriteOp* op;
    WriteResult* result;
  };
  struct Pending {
    std::uint32_t slot;
    Kind kind;
  };
  // What the batch does with a device its readings name (set aside while pipelined).
  struct Seen {
    std::uint32_t first_upsert = kNoSlot;  // slot of its first UpsertDevice sent in the batch
    bool readings = false;                 // a reading names it
    std::int8_t existed = -1;              // before the batch: 1 yes, 0 no, -1 not known yet
  };
  struct Noted {
    const std::string* device;
    const std::string* key;
    std::int64_t ts;
    double value;
  };

  void connect();
  void run_slot(std::uint32_t slot);
  bool emit(const UpsertDevice& op, std::uint32_t slot);
  bool emit(const MarkAllOffline& op, std::uint32_t slot);
  bool emit(const InsertReadings& op, std::uint32_t slot);
  bool emit(const InsertText& op, std::uint32_t slot);
  bool emit(const EnqueueCommand& op, std::uint32_t slot);
  bool emit(const MarkCommandSent& op, std::uint32_t slot);
  bool emit(const MarkCommandAcked& op, std::uint32_t slot);
  bool emit(const MarkCommandFailed& op, std::uint32_t slot);
  bool emit(const InsertChat& op, std::uint32_t slot);
  bool emit(const InsertAlert& op, std::uint32_t slot);
  /// Sends params_ to a prepared statement (pipelined) or runs it (replaying). False when the
  /// operation was refused and its remaining statements must not run.
  bool statement(const char* name, Kind kind, std::uint32_t slot);
  void take(const Pending& pending, const PgResult& result);
  /// Reads the answers to everything sent so far.
  void drain();
  /// Runs the batch again without pipelining, one savepoint per operation.
  void replay();
  void write_latest();
  /// Sets a pipelined batch's reading aside for copy_readings().
  void defer(const InsertReadings& op, std::uint32_t slot);
  /// Writes the readings set aside with one COPY (leaving pipeline mode for it and entering it
  /// again). False when the server refused the COPY: the batch must be replayed.
  bool copy_readings();
  /// Which devices the readings set aside name without an earlier upsert exist (one query).
  void look_up_devices();

  std::string url_;
  std::string settings_;
  std::unique_ptr<PgConnection> db_;
  bool pipelined_ = true;
  bool needs_replay_ = false;
  PgParams params_;
  std::vector<Slot> slots_;
  std::vector<Pending> pending_;
  std::vector<Noted> latest_;
  std::vector<std::uint32_t> deferred_;  // slots of the readings set aside, in order
  std::unordered_map<std::string_view, Seen> seen_;
  PgCopyRows copy_;
  PgArrayLiteral names_;
  std::array<PgArrayLiteral, 4> latest_arrays_;  // device, key, ts, value
  std::uint64_t rows_ = 0;
};

}  // namespace soket::store
