#pragma once

#include "soket/store/types.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

// The write operations the Writer accepts. Each is applied atomically (all of its rows or none),
// inside the batch transaction of the Writer.
namespace soket::store {

/// Records that a device was seen: creates it (first_seen = last_seen = ts) or updates last_seen,
/// online and every optional field that is set (unset fields keep their stored value).
/// Use online=false with the disconnect time when a device goes away.
///
/// `node` is the hub node that reports it (unset when the hub runs alone). Online, the device is
/// recorded on that node. Offline only takes effect when the device is recorded on that same node
/// (or on none): a device that has meanwhile connected to another node stays online there.
struct UpsertDevice {
  std::string id{};                        ///< the device's id
  std::int64_t ts = 0;                     ///< when it was seen (ms)
  bool online = true;                      ///< connected (true) or gone (false)
  std::optional<std::string> name{};       ///< HELLO's `name=`; unset: keep
  std::optional<std::string> group{};      ///< its group; unset: keep
  std::optional<std::string> kind{};       ///< HELLO's `kind=`; unset: keep
  std::optional<std::string> transport{};  ///< "tcp" or "udp"; unset: keep
  std::optional<std::string> address{};    ///< its peer address; unset: keep
  std::optional<std::string> node{};       ///< the reporting hub node; unset: alone
};

/// Marks devices offline (on startup: after a crash the table may still say online): every
/// device, or with `node` set only the devices recorded on that node (a node starting again, or
/// a node found dead by the others).
struct MarkAllOffline {
  std::optional<std::string> node{};  ///< only devices recorded on this node; unset: every device
};

/// One key of a message, e.g. `temp=22.5`.
struct Sample {
  std::string key{};                  ///< the key, e.g. "temp"
  std::optional<double> value{};      ///< must be finite when set
  std::optional<std::string> text{};  ///< at least one of value and text is set
};

/// The readings of one message: one row per sample, all with the same device and ts.
/// The device must exist (submit an UpsertDevice first; operations are applied in order).
struct InsertReadings {
  std::string device_id{};        ///< the device that sent the message
  std::int64_t ts = 0;            ///< when the message was received (ms)
  std::vector<Sample> samples{};  ///< at least one
};

/// A free-text message from a device (which must exist).
struct InsertText {
  std::string device_id{};  ///< the device that sent it
  std::int64_t ts = 0;      ///< when it was received (ms)
  std::string text{};       ///< the line as received
};

/// Queues a command for a device (which must exist). WriteResult::id is the command id.
struct EnqueueCommand {
  std::string device_id{};                          ///< the device it is for
  std::string command{};                            ///< non-empty
  CommandSource source = CommandSource::dashboard;  ///< who asks for it
  std::int64_t ts = 0;                              ///< when it is queued (ms)
};

/// queued -> sent (sent_at = ts). Rejected if the command does not exist or is not queued; with
/// `resend`, sent -> sent is allowed too (written again after the connection that carried it
/// ended before the device replied).
struct MarkCommandSent {
  std::int64_t id = 0;  ///< the command id
  std::int64_t ts = 0;  ///< when it was written to the device (ms)
  bool resend = false;  ///< allow sent -> sent (a command written again)
};

/// sent -> acked, with the device's reply. Rejected if the command does not exist or is not sent.
struct MarkCommandAcked {
  std::int64_t id = 0;  ///< the command id
  std::int64_t ts = 0;  ///< when the reply came (ms)
  std::string reply{};  ///< the device's reply line
};

/// queued | sent -> failed, with the reason. Rejected if the command is already acked or failed.
struct MarkCommandFailed {
  std::int64_t id = 0;   ///< the command id
  std::int64_t ts = 0;   ///< when it failed (ms)
  std::string reason{};  ///< why it failed, for people
};

/// A line of the chat (TCP or web) to keep for the history.
struct InsertChat {
  std::int64_t ts = 0;                  ///< when it was said (ms)
  std::string user{};                   ///< the speaker's user name
  std::string text{};                   ///< what was said
  ChatOrigin origin = ChatOrigin::tcp;  ///< the TCP chat or the web chat
};

/// An alert raised by a rule; device_id, when set, must name an existing device.
struct InsertAlert {
  std::int64_t ts = 0;                     ///< when it was raised (ms)
  std::string rule{};                      ///< non-empty
  std::optional<std::string> device_id{};  ///< the device concerned, if any
  std::string message{};                   ///< what happened, for people
  std::optional<double> value{};           ///< the value that raised it, if any
};

/// One operation for Writer::submit(): any of the operations above.
using WriteOp =
    std::variant<UpsertDevice, MarkAllOffline, InsertReadings, InsertText, EnqueueCommand,
                 MarkCommandSent, MarkCommandAcked, MarkCommandFailed, InsertChat, InsertAlert>;

/// How an operation ended.
enum class WriteStatus {
  /// Committed: durable as configured by SyncMode.
  ok,
  /// This operation was refused (invalid input, unknown device or command, wrong command state);
  /// nothing of it was written. The rest of its batch was committed normally.
  rejected,
  /// The batch transaction failed (I/O error, disk full, lock timeout): nothing of the batch was
  /// written.
  failed,
};

/// How one operation ended, passed to its Completion.
struct WriteResult {
  WriteStatus status = WriteStatus::ok;  ///< ok, rejected or failed
  /// EnqueueCommand: the new command id; InsertText, InsertChat, InsertAlert: the new row id;
  /// InsertReadings: the row id of its last sample; otherwise 0.
  std::int64_t id = 0;
  /// Why, when status is not ok.
  std::string error{};

  /// Whether status is WriteStatus::ok.
  bool ok() const { return status == WriteStatus::ok; }
};

/// Called once per accepted operation, on the writer's thread (its sync thread when it syncs
/// apart, see Writer), after its batch committed and became durable (or failed). It must be quick
/// and must not throw: post the work to your own executor.
using Completion = std::function<void(const WriteResult&)>;

/// Checks what can be checked without the database; returns the reason, or nullopt when valid.
std::optional<std::string> validate(const WriteOp& op);

}  // namespace soket::store
