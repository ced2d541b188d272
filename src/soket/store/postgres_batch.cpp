#include "soket/store/postgres_batch.hpp"

#include "soket/store/postgres_schema.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace soket::store {
namespace {

// In flight before the writer reads the answers: bounds what both sides buffer in a big batch.
constexpr std::size_t kMaxInFlight = 1024;
// Samples per readings statement (longer messages take several statements).
constexpr std::size_t kRowsPerInsert = 8;

constexpr std::array<const char*, kRowsPerInsert> kReadingsNames{
    "soket_readings_1", "soket_readings_2", "soket_readings_3", "soket_readings_4",
    "soket_readings_5", "soket_readings_6", "soket_readings_7", "soket_readings_8"};

WriteResult rejected(std::string reason) {
  return WriteResult{WriteStatus::rejected, 0, std::move(reason)};
}

// Errors that belong to one operation (a constraint, bad data, a trigger's RAISE): it is
// refused alone. Any other error (lock timeout, shutdown, out of disk) fails the batch.
bool is_refusal(const std::string& sqlstate) {
  return sqlstate.starts_with("23") || sqlstate.starts_with("22") || sqlstate.starts_with("P0");
}

// PostgreSQL text holds valid UTF-8 without NUL bytes only (SQLite stores any bytes).
bool storable(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c == 0) return false;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
    if (extra < 0 || c > 0xF4 || end - p <= extra) return false;
    unsigned cp = c & (0x3F >> extra);
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += extra + 1;
  }
  return true;
}

bool storable(const std::string& text) {
  return storable(std::string_view(text));
}

bool storable(const std::optional<std::string>& text) {
  return !text || storable(std::string_view(*text));
}

// Why PostgreSQL cannot hold one of the operation's texts; nullopt when it can.
std::optional<std::string> unstorable(const WriteOp& op) {
  bool ok = std::visit(
      [](const auto& o) {
        using Op = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<Op, UpsertDevice>)
          return storable(o.id) && storable(o.name) && storable(o.group) && storable(o.kind) &&
                 storable(o.transport) && storable(o.address) && storable(o.node);
        else if constexpr (std::is_same_v<Op, MarkAllOffline>)
          return storable(o.node);
        else if constexpr (std::is_same_v<Op, InsertReadings>)
          return storable(o.device_id) &&
                 std::all_of(o.samples.begin(), o.samples.end(),
                             [](const Sample& s) { return storable(s.key) && storable(s.text); });
        else if constexpr (std::is_same_v<Op, InsertText>)
          return storable(o.device_id) && storable(o.text);
        else if constexpr (std::is_same_v<Op, EnqueueCommand>)
          return storable(o.device_id) && storable(o.command);
        else if constexpr (std::is_same_v<Op, MarkCommandAcked>)
          return storable(o.reply);
        else if constexpr (std::is_same_v<Op, MarkCommandFailed>)
          return storable(o.reason);
        else if constexpr (std::is_same_v<Op, InsertChat>)
          return storable(o.user) && storable(o.text);
        else if constexpr (std::is_same_v<Op, InsertAlert>)
          return storable(o.rule) && storable(o.device_id) && storable(o.message);
        else
          return true;
      },
      op);
  if (ok) return std::nullopt;
  return "text is not valid UTF-8 or holds a NUL byte (PostgreSQL cannot store it)";
}

std::string device_of(const WriteOp& op) {
  return std::visit(
      [](const auto& o) -> std::string {
        if constexpr (requires { o.device_id.value_or(""); })
          return o.device_id.value_or("");
        else if constexpr (requires { o.device_id; })
          return o.device_id;
        else
          return {};
      },
      op);
}

std::string readings_sql(std::size_t n) {
  std::string sql =
      "INSERT INTO readings (device_id, ts, key, value, text) "
      "SELECT $1::text, $2::bigint, v.key, v.value, v.text FROM (VALUES ";
  for (std::size_t i = 0; i < n; ++i) {
    auto at = 3 * i + 3;
    if (i > 0) sql += ", ";
    sql += "($" + std::to_string(at) + "::text, $" + std::to_string(at + 1) + "::float8, $" +
           std::to_string(at + 2) + "::text)";
  }
  sql +=
      ") AS v (key, value, text) WHERE EXISTS (SELECT 1 FROM devices WHERE id = $1::text) "
      "RETURNING id";
  return sql;
}

// Changes a command's state when it is in one of `from`; answers (rows changed, state before).
std::string transition_sql(std::string_view set, std::string_view from) {
  return "WITH changed AS (UPDATE commands SET " + std::string(set) +
         " WHERE id = $1::bigint AND state IN (" + std::string(from) +
         ") RETURNING id) SELECT (SELECT count(*) FROM changed), "
         "(SELECT state FROM commands WHERE id = $1::bigint)";
}

}  // namespace

PostgresBatch::PostgresBatch(const StoreOptions& options) : url_(options.url) {
  settings_ = std::string("SET synchronous_commit = ") +
              (options.sync == SyncMode::full ? "on" : "off") +
              "; SET lock_timeout = " + std::to_string(options.busy_timeout.count());
  connect();
  slots_.reserve(options.max_batch);
  pending_.reserve(kMaxInFlight + 8);
}

void PostgresBatch::connect() {
  db_.reset();
  auto db = std::make_unique<PgConnection>(url_);
  migrate(*db);
  db->exec(settings_);
  db->prepare("soket_upsert_device",
              "INSERT INTO devices (id, name, group_name, kind, transport, address, first_seen, "
              "last_seen, online, node) VALUES ($1, $2, $3, $4, $8, $5, $6, $6, $7, "
              "CASE WHEN $7::smallint = 1 THEN $9::text END) "
              "ON CONFLICT (id) DO UPDATE SET "
              "name = coalesce(excluded.name, devices.name), "
              "group_name = coalesce(excluded.group_name, devices.group_name), "
              "kind = coalesce(excluded.kind, devices.kind), "
              "transport = coalesce(excluded.transport, devices.transport), "
              "address = coalesce(excluded.address, devices.address), "
              "last_seen = greatest(devices.last_seen, excluded.last_seen), "
              // offline from a node counts only where the device is recorded on it
              "online = CASE WHEN excluded.online = 1 OR devices.node IS NULL OR "
              "devices.node IS NOT DISTINCT FROM $9::text THEN excluded.online "
              "ELSE devices.online END, "
              "node = CASE WHEN excluded.online = 1 THEN $9::text "
              "WHEN devices.node IS NULL OR devices.node IS NOT DISTINCT FROM $9::text THEN NULL "
              "ELSE devices.node END");
  db->prepare("soket_mark_all_offline",
              "UPDATE devices SET online = 0, node = NULL "
              "WHERE (online <> 0 OR node IS NOT NULL) AND ($1::text IS NULL OR node = $1::text)");
  for (std::size_t n = 1; n <= kRowsPerInsert; ++n)
    db->prepare(kReadingsNames[n - 1], readings_sql(n));
  db->prepare("soket_text",
              "INSERT INTO text_messages (device_id, ts, text) SELECT $1::text, $2::bigint, "
              "$3::text WHERE EXISTS (SELECT 1 FROM devices WHERE id = $1::text) RETURNING id");
  db->prepare("soket_command",
              "INSERT INTO commands (device_id, command, source, state, created_at) "
              "SELECT $1::text, $2::text, $3::text, 'queued', $4::bigint "
              "WHERE EXISTS (SELECT 1 FROM devices WHERE id = $1::text) RETURNING id");
  db->prepare("soket_sent", transition_sql("state = 'sent', sent_at = $2::bigint", "'queued'"));
  db->prepare("soket_resent",
              transition_sql("state = 'sent', sent_at = $2::bigint", "'queued', 'sent'"));
  db->prepare("soket_acked",
              transition_sql("state = 'acked', acked_at = $2::bigint, reply = $3::text", "'sent'"));
  db->prepare("soket_failed",
              transition_sql("state = 'failed', acked_at = $2::bigint, reply = $3::text",
                             "'queued', 'sent'"));
  db->prepare("soket_chat",
              "INSERT INTO chat_messages (ts, \"user\", text, origin) VALUES ($1, $2, $3, $4) "
              "RETURNING id");
  db->prepare("soket_alert",
              "INSERT INTO alerts (ts, rule, device_id, message, value) "
              "SELECT $1::bigint, $2::text, $3::text, $4::text, $5::float8 "
              "WHERE $3::text IS NULL OR EXISTS (SELECT 1 FROM devices WHERE id = $3::text) "
              "RETURNING id");
  // One row per (device, key) in the arrays: ON CONFLICT may touch a row only once.
  db->prepare("soket_latest",
              "INSERT INTO latest_readings (device_id, key, ts, value) "
              "SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::float8[]) "
              "ON CONFLICT (device_id, key) DO UPDATE SET ts = excluded.ts, value = excluded.value "
              "WHERE excluded.ts >= latest_readings.ts");
  db->prepare("soket_device_existed", "SELECT EXISTS (SELECT 1 FROM devices WHERE id = $1::text)");
  db->prepare("soket_known_devices", "SELECT id FROM devices WHERE id = ANY ($1::text[])");
  db->prepare("soket_reading_ids",
              "SELECT nextval('readings_id_seq') AS id FROM generate_series(1, $1::bigint) "
              "ORDER BY id");
  db_ = std::move(db);
}

void PostgresBatch::begin() {
  if (!db_ || !db_->connected()) connect();
  slots_.clear();
  pending_.clear();
  latest_.clear();
  deferred_.clear();
  seen_.clear();
  rows_ = 0;
  needs_replay_ = false;
  pipelined_ = true;
  db_->enter_pipeline();
  db_->send("BEGIN");
  pending_.push_back({kNoSlot, Kind::control});
}

void PostgresBatch::apply(const WriteOp& op, WriteResult& result) {
  slots_.push_back({&op, &result});
  run_slot(static_cast<std::uint32_t>(slots_.size() - 1));
  if (pipelined_ && pending_.size() >= kMaxInFlight) {
    drain();
    if (needs_replay_) replay();
  }
}

void PostgresBatch::run_slot(std::uint32_t slot) {
  const Slot& s = slots_[slot];
  *s.result = WriteResult{};
  if (auto reason = unstorable(*s.op)) {
    *s.result = rejected(std::move(*reason));
    return;
  }
  if (pipelined_) {
    if (const auto* readings = std::get_if<InsertReadings>(s.op))
      defer(*readings, slot);
    else
      std::visit([&](const auto& o) { emit(o, slot); }, *s.op);
    return;
  }
  db_->exec("SAVEPOINT op");
  auto rows_before = rows_;
  auto latest_before = latest_.size();
  bool ok = std::visit([&](const auto& o) { return emit(o, slot); }, *s.op);
  if (!ok) {
    db_->exec("ROLLBACK TO SAVEPOINT op");
    rows_ = rows_before;
    latest_.resize(latest_before);
  }
  db_->exec("RELEASE SAVEPOINT op");
}

bool PostgresBatch::statement(const char* name, Kind kind, std::uint32_t slot) {
  if (pipelined_) {
    db_->send_prepared(name, params_);
    pending_.push_back({slot, kind});
    return true;
  }
  PgResult result = db_->run_prepared(name, params_);
  if (!result.ok()) {
    if (kind == Kind::control || !is_refusal(result.sqlstate()))
      throw PgError(result.error(), result.sqlstate());
    *slots_[slot].result = rejected(result.error());
    return false;
  }
  take({slot, kind}, result);
  return kind == Kind::control || slots_[slot].result->ok();
}

void PostgresBatch::take(const Pending& pending, const PgResult& result) {
  if (pending.kind == Kind::control) return;
  const Slot& s = slots_[pending.slot];
  if (pending.kind == Kind::probe) {
    seen_[std::get<UpsertDevice>(*s.op).id].existed = result.text(0, 0) == "t" ? 1 : 0;
    return;
  }
  WriteResult& out = *s.result;
  if (!out.ok()) return;  // an earlier statement of the operation refused it
  switch (pending.kind) {
    case Kind::control:
    case Kind::probe:
      return;
    case Kind::plain:
      rows_ += result.affected();
      return;
    case Kind::readings:
    case Kind::readings_last: {
      if (result.rows() == 0) {
        out = rejected("unknown device '" + device_of(*s.op) + "'");
        return;
      }
      for (int row = 0; row < result.rows(); ++row)
        out.id = std::max(out.id, result.int64(row, 0));
      rows_ += static_cast<std::uint64_t>(result.rows());
      if (pending.kind == Kind::readings_last) {
        const auto& op = std::get<InsertReadings>(*s.op);
        for (const auto& sample : op.samples)
          if (sample.value) latest_.push_back({&op.device_id, &sample.key, op.ts, *sample.value});
      }
      return;
    }
    case Kind::row:
      if (result.rows() == 0) {
        out = rejected("unknown device '" + device_of(*s.op) + "'");
        return;
      }
      out.id = result.int64(0, 0);
      rows_ += 1;
      return;
    case Kind::transition: {
      auto changed = result.int64(0, 0);
      std::int64_t id = std::visit(
          [](const auto& o) -> std::int64_t {
            if constexpr (
                requires { o.reply; } || requires { o.reason; } || requires { o.resend; })
              return o.id;
            else
              return 0;
          },
          *s.op);
      if (changed > 0) {
        out.id = id;
        rows_ += static_cast<std::uint64_t>(changed);
        return;
      }
      std::string_view wanted = std::holds_alternative<MarkCommandSent>(*s.op)    ? "sent"
                                : std::holds_alternative<MarkCommandAcked>(*s.op) ? "acked"
                                                                                  : "failed";
      std::string prefix = "command " + std::to_string(id);
      out = result.is_null(0, 1) ? rejected(prefix + " does not exist")
                                 : rejected(prefix + " cannot become " + std::string(wanted) +
                                            " from " + result.string(0, 1));
      return;
    }
  }
}

void PostgresBatch::drain() {
  if (pending_.empty()) return;
  db_->sync();
  std::string failure;
  std::string sqlstate;
  bool failed = false;
  for (const auto& pending : pending_) {
    PgResult result = db_->next_result();
    if (failed) continue;  // aborted by the failure
    if (!result.ok()) {
      failed = true;
      failure = result.error();
      sqlstate = result.sqlstate();
      if (pending.kind == Kind::control) sqlstate.clear();  // BEGIN/COMMIT: never one op's fault
      continue;
    }
    take(pending, result);
  }
  db_->read_sync();
  pending_.clear();
  if (!failed) return;
  if (!is_refusal(sqlstate)) throw PgError(failure, sqlstate);
  needs_replay_ = true;
}

void PostgresBatch::replay() {
  needs_replay_ = false;
  db_->exit_pipeline();
  db_->exec("ROLLBACK");
  pipelined_ = false;
  rows_ = 0;
  latest_.clear();
  deferred_.clear();
  seen_.clear();
  db_->exec("BEGIN");
  for (std::uint32_t slot = 0; slot < slots_.size(); ++slot)
    run_slot(slot);
}

void PostgresBatch::write_latest() {
  if (latest_.empty()) return;
  // The newest wins for each pair, the last noted among equal ts (as on SQLite, and as between
  // batches): a stable sort keeps the order within a pair.
  std::stable_sort(latest_.begin(), latest_.end(), [](const Noted& a, const Noted& b) {
    return *a.device != *b.device ? *a.device < *b.device : *a.key < *b.key;
  });
  for (auto& array : latest_arrays_)
    array.clear();
  std::size_t newest = 0;
  for (std::size_t i = 0; i < latest_.size(); ++i) {
    if (latest_[i].ts >= latest_[newest].ts) newest = i;
    if (i + 1 < latest_.size() && *latest_[i + 1].device == *latest_[i].device &&
        *latest_[i + 1].key == *latest_[i].key)
      continue;
    const Noted& n = latest_[newest];
    newest = i + 1;
    latest_arrays_[0].add(std::string_view(*n.device));
    latest_arrays_[1].add(std::string_view(*n.key));
    latest_arrays_[2].add(n.ts);
    latest_arrays_[3].add(n.value);
  }
  latest_.clear();
  params_.clear();
  for (auto& array : latest_arrays_)
    params_.add(array.finish());
  statement("soket_latest", Kind::control, kNoSlot);
}

void PostgresBatch::defer(const InsertReadings& op, std::uint32_t slot) {
  deferred_.push_back(slot);
  seen_[op.device_id].readings = true;
}

void PostgresBatch::look_up_devices() {
  names_.clear();
  bool any = false;
  for (auto& [id, seen] : seen_) {
    if (!seen.readings || seen.existed >= 0 || seen.first_upsert != kNoSlot) continue;
    seen.existed = 0;
    names_.add(id);
    any = true;
  }
  if (!any) return;
  params_.clear();
  params_.add(names_.finish());
  PgResult known = db_->run_prepared("soket_known_devices", params_);
  known.check("devices of the readings");
  for (int row = 0; row < known.rows(); ++row)
    if (auto it = seen_.find(known.text(row, 0)); it != seen_.end()) it->second.existed = 1;
}

bool PostgresBatch::copy_readings() {
  db_->exit_pipeline();
  look_up_devices();
  std::int64_t count = 0;
  for (auto slot : deferred_) {
    const auto& op = std::get<InsertReadings>(*slots_[slot].op);
    const Seen& seen = seen_.at(op.device_id);
    // Known here if an upsert of the batch came first, or if it was there before the batch.
    if (seen.first_upsert < slot || seen.existed == 1)
      count += static_cast<std::int64_t>(op.samples.size());
    else
      *slots_[slot].result = rejected("unknown device '" + op.device_id + "'");
  }
  if (count > 0) {
    params_.clear();
    params_.add(count);
    PgResult ids = db_->run_prepared("soket_reading_ids", params_);
    ids.check("reading ids");
    if (ids.rows() != count) throw PgError("the readings' id sequence answered too few ids");
    copy_.clear();
    int row = 0;
    for (auto slot : deferred_) {
      WriteResult& out = *slots_[slot].result;
      if (!out.ok()) continue;
      const auto& op = std::get<InsertReadings>(*slots_[slot].op);
      for (const auto& sample : op.samples) {
        out.id = ids.int64(row++, 0);
        copy_.begin_row(6);
        copy_.add(out.id);
        copy_.add(std::string_view(op.device_id));
        copy_.add(op.ts);
        copy_.add(std::string_view(sample.key));
        copy_.add(sample.value);
        copy_.add(sample.text);
      }
    }
    PgResult copied = db_->copy_in(
        "COPY readings (id, device_id, ts, key, value, text) FROM STDIN (FORMAT binary)",
        copy_.finish());
    if (!copied.ok()) {
      if (!is_refusal(copied.sqlstate())) throw PgError(copied.error(), copied.sqlstate());
      return false;
    }
    rows_ += static_cast<std::uint64_t>(count);
    for (auto slot : deferred_) {
      if (!slots_[slot].result->ok()) continue;
      const auto& op = std::get<InsertReadings>(*slots_[slot].op);
      for (const auto& sample : op.samples)
        if (sample.value) latest_.push_back({&op.device_id, &sample.key, op.ts, *sample.value});
    }
  }
  deferred_.clear();
  db_->enter_pipeline();
  return true;
}

std::uint64_t PostgresBatch::commit() {
  if (pipelined_) {
    drain();
    if (needs_replay_) replay();
  }
  if (pipelined_ && !deferred_.empty() && !copy_readings()) replay();
  write_latest();
  if (pipelined_) {
    db_->send("COMMIT");
    pending_.push_back({kNoSlot, Kind::control});
    drain();
    if (needs_replay_) throw PgError("the batch's latest values were refused");
  } else {
    db_->exec("COMMIT");
  }
  if (db_->in_transaction()) throw PgError("COMMIT did not end the transaction");
  return rows_;
}

void PostgresBatch::rollback() noexcept {
  // The connection may hold unread answers or a failed transaction: drop it (the server rolls
  // back what was open) and connect again for the next batch.
  db_.reset();
  latest_.clear();
  deferred_.clear();
  seen_.clear();
  pending_.clear();
  slots_.clear();
}

bool PostgresBatch::emit(const UpsertDevice& op, std::uint32_t slot) {
  if (pipelined_) {
    auto& seen = seen_[op.id];
    if (seen.first_upsert == kNoSlot) {
      seen.first_upsert = slot;
      // A reading set aside before it needs to know whether the device was there already.
      if (seen.readings) {
        params_.clear();
        params_.add(op.id);
        statement("soket_device_existed", Kind::probe, slot);
      }
    }
  }
  params_.clear();
  params_.add(op.id).add(op.name).add(op.group).add(op.kind).add(op.address).add(op.ts);
  params_.add(op.online ? "1" : "0").add(op.transport).add(op.node);
  return statement("soket_upsert_device", Kind::plain, slot);
}

bool PostgresBatch::emit(const MarkAllOffline& op, std::uint32_t slot) {
  params_.clear();
  params_.add(op.node);
  return statement("soket_mark_all_offline", Kind::plain, slot);
}

bool PostgresBatch::emit(const InsertReadings& op, std::uint32_t slot) {
  std::size_t total = op.samples.size();
  for (std::size_t at = 0; at < total; at += kRowsPerInsert) {
    std::size_t n = std::min(kRowsPerInsert, total - at);
    params_.clear();
    params_.add(op.device_id).add(op.ts);
    for (std::size_t i = at; i < at + n; ++i)
      params_.add(op.samples[i].key).add(op.samples[i].value).add(op.samples[i].text);
    Kind kind = at + n == total ? Kind::readings_last : Kind::readings;
    if (!statement(kReadingsNames[n - 1], kind, slot)) return false;
  }
  return true;
}

bool PostgresBatch::emit(const InsertText& op, std::uint32_t slot) {
  params_.clear();
  params_.add(op.device_id).add(op.ts).add(op.text);
  return statement("soket_text", Kind::row, slot);
}

// (The names of enums are string literals: their data() ends with a NUL.)
bool PostgresBatch::emit(const EnqueueCommand& op, std::uint32_t slot) {
  params_.clear();
  params_.add(op.device_id).add(op.command).add(to_string(op.source).data()).add(op.ts);
  return statement("soket_command", Kind::row, slot);
}

bool PostgresBatch::emit(const MarkCommandSent& op, std::uint32_t slot) {
  params_.clear();
  params_.add(op.id).add(op.ts);
  return statement(op.resend ? "soket_resent" : "soket_sent", Kind::transition, slot);
}

bool PostgresBatch::emit(const MarkCommandAcked& op, std::uint32_t slot) {
  params_.clear();
  params_.add(op.id).add(op.ts).add(op.reply);
  return statement("soket_acked", Kind::transition, slot);
}

bool PostgresBatch::emit(const MarkCommandFailed& op, std::uint32_t slot) {
  params_.clear();
  params_.add(op.id).add(op.ts).add(op.reason);
  return statement("soket_failed", Kind::transition, slot);
}

bool PostgresBatch::emit(const InsertChat& op, std::uint32_t slot) {
  params_.clear();
  params_.add(op.ts).add(op.user).add(op.text).add(to_string(op.origin).data());
  return statement("soket_chat", Kind::row, slot);
}

bool PostgresBatch::emit(const InsertAlert& op, std::uint32_t slot) {
  params_.clear();
  params_.add(op.ts).add(op.rule).add(op.device_id).add(op.message).add(op.value);
  return statement("soket_alert", Kind::row, slot);
}

}  // namespace soket::store
