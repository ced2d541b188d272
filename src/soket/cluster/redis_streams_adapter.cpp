#include "soket/cluster/redis_streams_adapter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>

#include "soket/socketio/cluster_codec.hpp"
#include "soket/socketio/namespace.hpp"
#include "soket/socketio/server.hpp"
#include "soket/util/log.hpp"

namespace soket::cluster {

using socketio::BroadcastOptions;
using socketio::ClusterMessage;
using socketio::ClusterMessageType;
using socketio::EncodedPacket;
using socketio::Packet;

namespace codec = socketio::cluster_codec;

namespace {

// XRANGE calls of one restore, COUNT entries each: a bound on the work a reconnecting client
// causes (more than the default stream length). A session whose missed entries go beyond it is
// not recovered (never a silent gap).
constexpr std::size_t kRestoreBatch = 1000;
constexpr std::size_t kRestoreMaxCalls = 100;
// How long a restored session waits for this node's reader to reach the end of its replay.
constexpr std::chrono::milliseconds kReaderCatchUp{2000};

void append_offset(Packet& packet, const std::string& offset) {
  // The offset goes last, where the reference client looks for it.
  if (!packet.data.is_array()) packet.data.emplace_array();
  packet.data.get_array().emplace_back(offset);
}

// The reference's shouldIncludePacket: the packet targeted one of the session's rooms (or
// everyone) and excluded none of them.
bool targets(const std::vector<socketio::Room>& session_rooms, const BroadcastOptions& options) {
  auto in = [&](const std::vector<socketio::Room>& rooms) {
    return std::any_of(session_rooms.begin(), session_rooms.end(), [&](const auto& room) {
      return std::find(rooms.begin(), rooms.end(), room) != rooms.end();
    });
  };
  return (options.rooms.empty() || in(options.rooms)) && !in(options.except);
}

const std::string* field_of(const stream_codec::Fields& fields, std::string_view name) {
  for (const auto& [key, value] : fields)
    if (key == name) return &value;
  return nullptr;
}

// What the reference sends on pub/sub rather than on the stream: messages that need a live
// answer, and that a node restoring a session must not replay.
bool is_ephemeral(const ClusterMessage& message) {
  switch (message.type) {
    case ClusterMessageType::broadcast:
      return message.data.contains("requestId");
    case ClusterMessageType::server_side_emit:
    case ClusterMessageType::fetch_sockets:
      return true;
    default:
      return false;
  }
}

}  // namespace

RedisStreamsAdapter::RedisStreamsAdapter(socketio::Namespace& nsp, std::shared_ptr<RedisLink> link)
    : ClusterAdapter(nsp, {link->options().requests_timeout}), link_(std::move(link)) {
  sessions_.reset();  // with recovery on, sessions and packets are kept in Redis instead
  stream_ = link_->stream_for(nsp.name());
  channel_ = link_->options().key + "#" + nsp.name() + "#";
  response_channel_ = channel_ + uid() + "#";
  handler_id_ = link_->add_handler([this](std::string_view channel, std::string_view payload) {
    on_redis_message(channel, payload);
  });
  stream_handler_id_ =
      link_->add_stream_handler([this](std::string_view id, const stream_codec::Fields& fields) {
        on_stream_entry(id, fields);
      });
  subscribe(channel_);
  subscribe(response_channel_);
}

RedisStreamsAdapter::~RedisStreamsAdapter() {
  *alive_ = false;
  link_->remove_handler(handler_id_);
  link_->remove_stream_handler(stream_handler_id_);
  unsubscribe(channel_);
  unsubscribe(response_channel_);
}

void RedisStreamsAdapter::subscribe(const std::string& channel) {
  if (link_->options().sharded)
    link_->subscriber().ssubscribe(channel);
  else
    link_->subscriber().subscribe(channel);
}

void RedisStreamsAdapter::unsubscribe(const std::string& channel) {
  if (link_->options().sharded)
    link_->subscriber().sunsubscribe(channel);
  else
    link_->subscriber().unsubscribe(channel);
}

void RedisStreamsAdapter::server_count(std::function<void(std::optional<std::size_t>)> done) {
  link_->count_subscribers(channel_, std::move(done));
}

void RedisStreamsAdapter::do_publish(const ClusterMessage& message) {
  if (is_ephemeral(message)) return link_->publish(channel_, stream_codec::to_msgpack(message));
  link_->append_to_stream(stream_, stream_codec::to_fields(message));
}

void RedisStreamsAdapter::do_publish_response(const std::string& requester,
                                              const ClusterMessage& response) {
  link_->publish(channel_ + requester + "#", stream_codec::to_msgpack(response));
}

void RedisStreamsAdapter::on_stream_entry(std::string_view id, const stream_codec::Fields& fields) {
  // Every namespace's adapter sees every entry: only this namespace's are decoded (and warned
  // about), entries of namespaces this node lacks are skipped, as the reference does.
  auto nsp = std::find_if(fields.begin(), fields.end(),
                          [](const auto& field) { return field.first == "nsp"; });
  if (nsp == fields.end() || nsp->second != nsp_.name()) return;
  last_offset_ = id;
  if (!restoring_.empty()) capture_for_restores(id, fields);
  std::string error;
  auto message = stream_codec::from_fields(fields, error);
  if (!message) {
    if (!error.empty()) spdlog::warn("redis stream {}: dropped entry {}: {}", stream_, id, error);
    if (!waiting_restores_.empty()) complete_waiting(nullptr);
    return;
  }
  // A broadcast of another node: its local sockets get the entry's id as the offset
  // (keep_for_recovery), as the reference's onMessage(message, offset).
  entry_offset_ = id;
  on_message(*message);
  entry_offset_.clear();
  if (!waiting_restores_.empty()) complete_waiting(nullptr);
}

// --- connection state recovery --------------------------------------------------------------

void RedisStreamsAdapter::broadcast_packet(const Packet& packet, const BroadcastOptions& options) {
  if (!recovers_sessions() || options.flags.local)
    return ClusterAdapter::broadcast_packet(packet, options);
  append_then_deliver(packet, options);
}

void RedisStreamsAdapter::emit_to_socket(socketio::Socket& socket, const Packet& packet,
                                         const BroadcastOptions& options) {
  if (!recovers_sessions()) return ClusterAdapter::emit_to_socket(socket, packet, options);
  // As the reference: a broadcast to the socket's own room, through the stream, so that it is
  // replayed by whichever node the client comes back to. The other nodes lack the socket.
  append_then_deliver(packet, options);
}

void RedisStreamsAdapter::append_then_deliver(const Packet& packet,
                                              const BroadcastOptions& options) {
  ClusterMessage message;
  message.type = ClusterMessageType::broadcast;
  message.uid = uid();
  message.nsp = nsp_.name();
  message.data["packet"] = codec::packet_to_json(packet);
  message.data["opts"] = codec::options_to_json(options);
  message.attachments = packet.attachments;
  // Local delivery waits for the entry's id, the offset; Redis answers in order, so the local
  // sockets get the packets in the order they were sent.
  link_->append_to_stream(stream_, stream_codec::to_fields(message),
                          [this, alive = std::weak_ptr<bool>(alive_), packet = Packet(packet),
                           options](std::optional<std::string> id) mutable {
                            if (alive.expired()) return;
                            if (id) {
                              last_offset_ = *id;
                              // Volatile packets get no offset, as in the reference.
                              if (kept_for_recovery(packet) && !options.flags.volatile_)
                                append_offset(packet, *id);
                            }
                            InMemoryAdapter::broadcast(encode(packet), options);
                          });
}

EncodedPacket RedisStreamsAdapter::keep_for_recovery(Packet& packet,
                                                     const BroadcastOptions& options) {
  // Nothing to keep here: the stream is the store. Only a broadcast read from the stream has an
  // offset (a local one, flags.local, never reaches the stream and has none).
  if (!entry_offset_.empty() && !options.flags.volatile_) append_offset(packet, entry_offset_);
  return encode(packet);
}

std::string RedisStreamsAdapter::last_offset() {
  return last_offset_;
}

void RedisStreamsAdapter::persist_session(socketio::SocketSession session) {
  if (!recovers_sessions()) return;
  const auto& recovery = nsp_.server().options().connection_state_recovery;
  link_->publisher().command(
      {"SET", link_->options().session_key_prefix + session.pid,
       stream_codec::session_to_text(session), "PX",
       std::to_string(std::max<std::int64_t>(1, recovery->max_disconnection_duration.count()))},
      [pid = session.pid](const RedisReply* reply, std::string_view error) {
        if (!reply)
          spdlog::warn("redis: the session {} is lost: {}", pid, error);
        else if (reply->type == RedisReply::Type::error)
          spdlog::warn("redis: SET of the session {} failed: {}", pid, reply->str);
      });
}

struct RedisStreamsAdapter::Restore {
  socketio::RestoreSessionCallback done;
  socketio::RestoredSession restored;
  std::string last_of_namespace;  // the id of the newest entry of this namespace read back
  std::string replayed_up_to;     // the newest entry id the replay covered (any namespace)
  // This namespace's entries the reader delivered while the restore was under way, in order.
  std::vector<std::pair<std::string, stream_codec::Fields>> delivered_meanwhile;
  bool too_many_meanwhile = false;
};

void RedisStreamsAdapter::restore_session(std::string pid, std::optional<std::string> offset,
                                          socketio::RestoreSessionCallback done) {
  if (!recovers_sessions()) return done(std::nullopt);
  // As the reference: an offset that is not an entry id is refused (a new session).
  if (offset && !stream_codec::is_entry_id(*offset)) return done(std::nullopt);
  auto& redis = link_->publisher();
  const auto key = link_->options().session_key_prefix + pid;
  // GET and DEL in one transaction (GETDEL needs Redis 6.2): a pid is restored once.
  redis.command({"MULTI"});
  redis.command({"GET", key});
  redis.command({"DEL", key});
  redis.command(
      {"EXEC"}, [this, alive = std::weak_ptr<bool>(alive_), pid, offset, done = std::move(done)](
                    const RedisReply* reply, std::string_view error) mutable {
        if (alive.expired()) return;
        if (!reply || reply->type != RedisReply::Type::array || reply->elements.size() != 2) {
          log::debug(log::Layer::cluster, "{}: session {} not restored: {}", nsp_.name(), pid,
                     reply ? std::string_view(reply->str) : error);
          return done(std::nullopt);
        }
        const auto& value = reply->elements[0];
        if (value.type != RedisReply::Type::string) return done(std::nullopt);  // none, expired
        std::string decode_error;
        auto session = stream_codec::session_from_text(value.str, decode_error);
        if (!session || session->pid != pid) {
          spdlog::warn("redis: dropped the malformed session {}: {}", pid,
                       session ? "another pid" : decode_error);
          return done(std::nullopt);
        }
        // Without an offset (the client got no packet), from where the session began.
        auto from = offset ? *offset : session->start;
        if (!stream_codec::is_entry_id(from)) return done(std::nullopt);
        auto restore = std::make_shared<Restore>();
        restore->done = std::move(done);
        restore->restored.session = std::move(*session);
        restore->replayed_up_to = from;
        restoring_.push_back(restore);
        // The offset must still be in the stream, else packets after it may be gone.
        link_->publisher().command(
            {"XRANGE", stream_, from, from},
            [this, alive, restore, from](const RedisReply* reply, std::string_view) {
              if (alive.expired()) return;
              if (!reply || reply->type != RedisReply::Type::array || reply->elements.empty())
                return restore->done(std::nullopt);
              read_missed(restore, from, 0);
            });
      });
}

// XRANGE from just after `after`, kRestoreBatch entries at a time, until the end of the stream.
void RedisStreamsAdapter::read_missed(std::shared_ptr<Restore> restore, std::string after,
                                      std::size_t calls) {
  if (calls == kRestoreMaxCalls) {
    spdlog::warn("redis stream {}: session {} not restored: more than {} entries missed", stream_,
                 restore->restored.session.pid, kRestoreBatch * kRestoreMaxCalls);
    return restore->done(std::nullopt);
  }
  link_->publisher().command({"XRANGE", stream_, stream_codec::next_entry_id(after), "+", "COUNT",
                              std::to_string(kRestoreBatch)},
                             [this, alive = std::weak_ptr<bool>(alive_), restore, calls](
                                 const RedisReply* reply, std::string_view) {
                               if (alive.expired()) return;
                               if (!reply || reply->type != RedisReply::Type::array)
                                 return restore->done(std::nullopt);
                               std::string last;
                               for (const auto& entry : reply->elements) {
                                 if (entry.type != RedisReply::Type::array ||
                                     entry.elements.size() != 2 ||
                                     entry.elements[0].type != RedisReply::Type::string)
                                   continue;
                                 last = entry.elements[0].str;
                                 restore->replayed_up_to = last;
                                 stream_codec::Fields fields;
                                 const auto& values = entry.elements[1].elements;
                                 for (std::size_t i = 0; i + 1 < values.size(); i += 2)
                                   fields.emplace_back(values[i].str, values[i + 1].str);
                                 add_missed(*restore, last, fields);
                               }
                               if (reply->elements.size() < kRestoreBatch)
                                 return finish_restore(restore);
                               read_missed(restore, last, calls + 1);
                             });
}

void RedisStreamsAdapter::add_missed(Restore& restore, const std::string& id,
                                     const stream_codec::Fields& fields) {
  // Broadcasts of this namespace only (as the reference: type "3").
  const auto* nsp = field_of(fields, "nsp");
  const auto* type = field_of(fields, "type");
  if (!nsp || *nsp != nsp_.name()) return;
  restore.last_of_namespace = id;
  if (!type || *type != "3") return;
  std::string error;
  auto message = stream_codec::from_fields(fields, error);
  if (!message || message->data.contains("requestId")) return;
  auto* opts = message->data.if_contains("opts");
  auto* packet_json = message->data.if_contains("packet");
  if (!opts || !packet_json) return;
  auto options = codec::options_from_json(*opts);
  auto packet = codec::packet_from_json(*packet_json, nsp_.name());
  if (!options || !packet || !kept_for_recovery(*packet)) return;
  if (!targets(restore.restored.session.rooms, *options)) return;
  packet->attachments = std::move(message->attachments);
  append_offset(*packet, id);
  restore.restored.missed.push_back(encode(*packet));
}

void RedisStreamsAdapter::on_redis_message(std::string_view channel, std::string_view payload) {
  const bool is_response = channel == response_channel_;
  if (!is_response && channel != channel_) return;
  std::string error;
  auto message = stream_codec::from_msgpack(payload, error);
  if (!message) {
    spdlog::warn("redis: dropped a malformed message on {}: {}", channel, error);
    return;
  }
  if (is_response)
    on_response(*message);
  else
    on_message(*message);
}

}  // namespace soket::cluster

namespace soket::cluster {

void RedisStreamsAdapter::finish_restore(const std::shared_ptr<Restore>& restore) {
  // The replay ends at the stream's end; this node's reader may not have read that far yet. Were
  // the socket connected now, the reader would deliver those entries to it a second time: it
  // connects once the reader is there (or after a while, should the reader be stuck).
  const auto& last = restore->last_of_namespace;
  if (last.empty() || !stream_codec::entry_id_before(last_offset_, last))
    return complete_restore(*restore);
  waiting_restores_.push_back(restore);
  auto timer = std::make_shared<net::asio::steady_timer>(nsp_.server().io());
  timer->expires_after(kReaderCatchUp);
  timer->async_wait([this, alive = std::weak_ptr<bool>(alive_), restore, timer](net::error_code) {
    if (alive.expired()) return;
    complete_waiting(restore.get());
  });
}

void RedisStreamsAdapter::complete_waiting(const Restore* only) {
  auto waiting = std::move(waiting_restores_);
  waiting_restores_.clear();
  for (auto& restore : waiting) {
    const bool ready = restore.get() == only ||
                       !stream_codec::entry_id_before(last_offset_, restore->last_of_namespace);
    if (!restore->done) continue;  // completed already
    if (!ready) {
      waiting_restores_.push_back(std::move(restore));
      continue;
    }
    complete_restore(*restore);
  }
}

void RedisStreamsAdapter::capture_for_restores(std::string_view id,
                                               const stream_codec::Fields& fields) {
  std::erase_if(restoring_, [](const std::weak_ptr<Restore>& weak) {
    auto restore = weak.lock();
    return !restore || !restore->done;
  });
  for (const auto& weak : restoring_) {
    auto restore = weak.lock();
    if (restore->delivered_meanwhile.size() == kRestoreBatch) {
      restore->too_many_meanwhile = true;
      continue;
    }
    restore->delivered_meanwhile.emplace_back(std::string(id), fields);
  }
}

void RedisStreamsAdapter::complete_restore(Restore& restore) {
  auto done = std::move(restore.done);
  restore.done = nullptr;
  if (restore.too_many_meanwhile) {
    spdlog::warn(
        "redis stream {}: session {} not restored: more than {} entries arrived during "
        "its replay",
        stream_, restore.restored.session.pid, kRestoreBatch);
    return done(std::nullopt);
  }
  // What the replay already held was seen by the reader too; only what came after it is added.
  for (const auto& [id, fields] : restore.delivered_meanwhile)
    if (stream_codec::entry_id_before(restore.replayed_up_to, id)) add_missed(restore, id, fields);
  restore.delivered_meanwhile.clear();
  done(std::move(restore.restored));
}

}  // namespace soket::cluster
