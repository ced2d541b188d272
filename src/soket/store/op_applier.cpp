#include "soket/store/op_applier.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string>

namespace soket::store {
namespace {

WriteResult ok_result(std::int64_t id = 0) {
  return WriteResult{WriteStatus::ok, id, {}};
}

WriteResult rejected(std::string reason) {
  return WriteResult{WriteStatus::rejected, 0, std::move(reason)};
}

// The device an operation refers to, for a clearer message than "FOREIGN KEY constraint failed".
template <typename Op>
std::string device_of(const Op& op) {
  if constexpr (requires { op.device_id; }) {
    if constexpr (requires { op.device_id.value(); })
      return op.device_id.value_or("");
    else
      return op.device_id;
  } else {
    return {};
  }
}

}  // namespace

OpApplier::OpApplier(Database& db)
    : db_(db),
      upsert_latest_(db,
                     "INSERT INTO latest_readings (device_id, key, ts, value) "
                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (device_id, key) DO UPDATE SET "
                     "ts = excluded.ts, value = excluded.value WHERE excluded.ts >= ts"),
      upsert_device_(db,
                     "INSERT INTO devices (id, name, group_name, kind, transport, address, "
                     "first_seen, last_seen, online, node) "
                     "VALUES (?1, ?2, ?3, ?4, ?8, ?5, ?6, ?6, ?7, CASE WHEN ?7 THEN ?9 END) "
                     "ON CONFLICT (id) DO UPDATE SET "
                     "name = coalesce(excluded.name, name), "
                     "group_name = coalesce(excluded.group_name, group_name), "
                     "kind = coalesce(excluded.kind, kind), "
                     "transport = coalesce(excluded.transport, transport), "
                     "address = coalesce(excluded.address, address), "
                     "last_seen = max(last_seen, excluded.last_seen), "
                     // offline from a node counts only where the device is recorded on it
                     "online = CASE WHEN excluded.online OR node IS NULL OR node IS ?9 "
                     "THEN excluded.online ELSE online END, "
                     "node = CASE WHEN excluded.online THEN ?9 "
                     "WHEN node IS NULL OR node IS ?9 THEN NULL ELSE node END"),
      mark_all_offline_(db,
                        "UPDATE devices SET online = 0, node = NULL "
                        "WHERE (online <> 0 OR node IS NOT NULL) AND (?1 IS NULL OR node = ?1)"),
      insert_reading_(db,
                      "INSERT INTO readings (device_id, ts, key, value, text) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)"),
      insert_text_(db, "INSERT INTO text_messages (device_id, ts, text) VALUES (?1, ?2, ?3)"),
      insert_command_(db,
                      "INSERT INTO commands (device_id, command, source, state, created_at) "
                      "VALUES (?1, ?2, ?3, 'queued', ?4)"),
      mark_sent_(db,
                 "UPDATE commands SET state = 'sent', sent_at = ?2 "
                 "WHERE id = ?1 AND state = 'queued'"),
      mark_resent_(db,
                   "UPDATE commands SET state = 'sent', sent_at = ?2 "
                   "WHERE id = ?1 AND state IN ('queued', 'sent')"),
      mark_acked_(db,
                  "UPDATE commands SET state = 'acked', acked_at = ?2, reply = ?3 "
                  "WHERE id = ?1 AND state = 'sent'"),
      mark_failed_(db,
                   "UPDATE commands SET state = 'failed', acked_at = ?2, reply = ?3 "
                   "WHERE id = ?1 AND state IN ('queued', 'sent')"),
      command_state_(db, "SELECT state FROM commands WHERE id = ?1"),
      insert_chat_(db,
                   "INSERT INTO chat_messages (ts, user, text, origin) VALUES (?1, ?2, ?3, ?4)"),
      insert_alert_(db,
                    "INSERT INTO alerts (ts, rule, device_id, message, value) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)"),
      savepoint_(db, "SAVEPOINT op"),
      release_(db, "RELEASE op"),
      rollback_to_(db, "ROLLBACK TO op") {}

WriteResult OpApplier::apply(const WriteOp& op) {
  return std::visit(
      [this](const auto& o) -> WriteResult {
        try {
          return apply_one(o);
        } catch (const SqliteError& e) {
          // A constraint failure undoes only the failing statement (ON CONFLICT ABORT); anything
          // else, or a transaction SQLite already rolled back, fails the whole batch.
          if (!e.is_constraint() || !db_.in_transaction()) throw;
          if (e.code() == SQLITE_CONSTRAINT_FOREIGNKEY)
            return rejected("unknown device '" + device_of(o) + "'");
          return rejected(e.what());
        }
      },
      op);
}

WriteResult OpApplier::apply_one(const UpsertDevice& op) {
  StatementScope scope(upsert_device_);
  upsert_device_.bind_static(1, op.id);
  upsert_device_.bind_static(2, op.name);
  upsert_device_.bind_static(3, op.group);
  upsert_device_.bind_static(4, op.kind);
  upsert_device_.bind_static(5, op.address);
  upsert_device_.bind(6, op.ts);
  upsert_device_.bind(7, std::int64_t{op.online ? 1 : 0});
  upsert_device_.bind_static(8, op.transport);
  upsert_device_.bind_static(9, op.node);
  upsert_device_.run();
  return ok_result();
}

WriteResult OpApplier::apply_one(const MarkAllOffline& op) {
  StatementScope scope(mark_all_offline_);
  mark_all_offline_.bind_static(1, op.node);
  mark_all_offline_.run();
  return ok_result();
}

Statement& OpApplier::insert_rows(std::size_t n) {
  Statement& stmt = insert_rows_[n - 1];
  if (!stmt.prepared()) {
    std::string sql = "INSERT INTO readings (device_id, ts, key, value, text) VALUES ";
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) sql += ", ";
      sql += "(?1, ?2, ?";
      sql += std::to_string(3 * i + 3);
      sql += ", ?";
      sql += std::to_string(3 * i + 4);
      sql += ", ?";
      sql += std::to_string(3 * i + 5);
      sql += ")";
    }
    stmt = Statement(db_, sql);
  }
  return stmt;
}

WriteResult OpApplier::apply_one(const InsertReadings& op) {
  // The usual message (a few values): one multi-row INSERT, atomic as a single statement.
  if (op.samples.size() <= kRowsPerInsert) {
    Statement& stmt = insert_rows(op.samples.size());
    StatementScope scope(stmt);
    stmt.bind_static(1, op.device_id);
    stmt.bind(2, op.ts);
    int at = 3;
    for (const auto& sample : op.samples) {
      stmt.bind_static(at, sample.key);
      stmt.bind(at + 1, sample.value);
      stmt.bind_static(at + 2, sample.text);
      at += 3;
    }
    stmt.run();
    note_latest(op);
    return ok_result(db_.last_insert_rowid());
  }
  // More rows: a savepoint makes the operation all-or-nothing if one of them is refused.
  {
    StatementScope scope(savepoint_);
    savepoint_.run();
  }
  try {
    for (const auto& sample : op.samples) {
      StatementScope scope(insert_reading_);
      insert_reading_.bind_static(1, op.device_id);
      insert_reading_.bind(2, op.ts);
      insert_reading_.bind_static(3, sample.key);
      insert_reading_.bind(4, sample.value);
      insert_reading_.bind_static(5, sample.text);
      insert_reading_.run();
    }
  } catch (const SqliteError&) {
    if (db_.in_transaction()) {
      StatementScope rollback(rollback_to_);
      rollback_to_.run();
      StatementScope release(release_);
      release_.run();
    }
    throw;
  }
  StatementScope scope(release_);
  release_.run();
  note_latest(op);
  return ok_result(db_.last_insert_rowid());
}

void OpApplier::note_latest(const InsertReadings& op) {
  for (const auto& sample : op.samples)
    if (sample.value) latest_.push_back({op.device_id, sample.key, op.ts, *sample.value});
}

void OpApplier::flush_latest() {
  struct Clear {
    std::vector<Noted>& v;
    ~Clear() { v.clear(); }
  } clear{latest_};
  // The newest wins for each pair, the last noted among equal ts (as between batches, where the
  // statement keeps a stored newer value): a stable sort keeps the order within a pair.
  std::stable_sort(latest_.begin(), latest_.end(), [](const Noted& a, const Noted& b) {
    return a.device != b.device ? a.device < b.device : a.key < b.key;
  });
  std::size_t newest = 0;
  for (std::size_t i = 0; i < latest_.size(); ++i) {
    if (latest_[i].ts >= latest_[newest].ts) newest = i;
    if (i + 1 < latest_.size() && latest_[i + 1].device == latest_[i].device &&
        latest_[i + 1].key == latest_[i].key)
      continue;
    const Noted& n = latest_[newest];
    newest = i + 1;
    StatementScope scope(upsert_latest_);
    upsert_latest_.bind_static(1, n.device);
    upsert_latest_.bind_static(2, n.key);
    upsert_latest_.bind(3, n.ts);
    upsert_latest_.bind(4, n.value);
    upsert_latest_.run();
  }
}

WriteResult OpApplier::apply_one(const InsertText& op) {
  StatementScope scope(insert_text_);
  insert_text_.bind_static(1, op.device_id);
  insert_text_.bind(2, op.ts);
  insert_text_.bind_static(3, op.text);
  insert_text_.run();
  return ok_result(db_.last_insert_rowid());
}

WriteResult OpApplier::apply_one(const EnqueueCommand& op) {
  StatementScope scope(insert_command_);
  insert_command_.bind_static(1, op.device_id);
  insert_command_.bind_static(2, op.command);
  insert_command_.bind_static(3, to_string(op.source));
  insert_command_.bind(4, op.ts);
  insert_command_.run();
  return ok_result(db_.last_insert_rowid());
}

WriteResult OpApplier::apply_one(const MarkCommandSent& op) {
  Statement& stmt = op.resend ? mark_resent_ : mark_sent_;
  StatementScope scope(stmt);
  stmt.bind(1, op.id);
  stmt.bind(2, op.ts);
  stmt.run();
  if (db_.changes() == 0) return refuse_transition(op.id, "sent");
  return ok_result(op.id);
}

WriteResult OpApplier::apply_one(const MarkCommandAcked& op) {
  StatementScope scope(mark_acked_);
  mark_acked_.bind(1, op.id);
  mark_acked_.bind(2, op.ts);
  mark_acked_.bind_static(3, op.reply);
  mark_acked_.run();
  if (db_.changes() == 0) return refuse_transition(op.id, "acked");
  return ok_result(op.id);
}

WriteResult OpApplier::apply_one(const MarkCommandFailed& op) {
  StatementScope scope(mark_failed_);
  mark_failed_.bind(1, op.id);
  mark_failed_.bind(2, op.ts);
  mark_failed_.bind_static(3, op.reason);
  mark_failed_.run();
  if (db_.changes() == 0) return refuse_transition(op.id, "failed");
  return ok_result(op.id);
}

WriteResult OpApplier::apply_one(const InsertChat& op) {
  StatementScope scope(insert_chat_);
  insert_chat_.bind(1, op.ts);
  insert_chat_.bind_static(2, op.user);
  insert_chat_.bind_static(3, op.text);
  insert_chat_.bind_static(4, to_string(op.origin));
  insert_chat_.run();
  return ok_result(db_.last_insert_rowid());
}

WriteResult OpApplier::apply_one(const InsertAlert& op) {
  StatementScope scope(insert_alert_);
  insert_alert_.bind(1, op.ts);
  insert_alert_.bind_static(2, op.rule);
  insert_alert_.bind_static(3, op.device_id);
  insert_alert_.bind_static(4, op.message);
  insert_alert_.bind(5, op.value);
  insert_alert_.run();
  return ok_result(db_.last_insert_rowid());
}

WriteResult OpApplier::refuse_transition(std::int64_t id, std::string_view wanted) {
  StatementScope scope(command_state_);
  command_state_.bind(1, id);
  std::string prefix = "command " + std::to_string(id);
  if (!command_state_.step()) return rejected(prefix + " does not exist");
  return rejected(prefix + " cannot become " + std::string(wanted) + " from " +
                  command_state_.column_text(0));
}

}  // namespace soket::store
