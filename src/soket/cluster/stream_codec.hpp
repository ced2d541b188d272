#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "soket/socketio/cluster_message.hpp"
#include "soket/socketio/session_store.hpp"

// How @socket.io/redis-streams-adapter (0.3) writes the cluster adapter's messages: as stream
// entries for what every node must see in order (broadcasts, joins, leaves, disconnects), and as
// msgpack on pub/sub for the rest (requests and their answers).
namespace soket::cluster::stream_codec {

/// One stream entry's fields in order: name, value, name, value...
using Fields = std::vector<std::pair<std::string, std::string>>;

/// The fields of the entry for `message`: uid, nsp, type (its number as text) and data: the JSON
/// text of `data`, or, when it holds binaries, the base64 of its msgpack form (binaries inline).
Fields to_fields(const socketio::ClusterMessage& message);

/// The message of an entry. nullopt with `error` set when it is malformed (no uid, a type that is
/// not a number, data that is neither JSON text nor base64 msgpack of an object...). An entry
/// without nsp is not an adapter's message: nullopt with `error` empty (the reference skips it).
std::optional<socketio::ClusterMessage> from_fields(const Fields& fields, std::string& error);

/// The msgpack form {uid, nsp, type, data} of messages sent on pub/sub (binaries inline).
std::string to_msgpack(const socketio::ClusterMessage& message);
/// nullopt with `error` set when `payload` is not such a message.
std::optional<socketio::ClusterMessage> from_msgpack(std::string_view payload, std::string& error);

/// What the reference keeps in Redis for a lost session (connection state recovery): the base64
/// of the msgpack map {sid, pid, rooms, data}. soket adds `start` (the entry id its session began
/// after, for a client that comes back without an offset) when it has one; the reference ignores
/// it. Binaries inside `data` are not kept.
std::string session_to_text(const socketio::SocketSession& session);
/// nullopt with `error` set when `text` is not such a session (data that is not a map is taken as
/// an empty one).
std::optional<socketio::SocketSession> session_from_text(std::string_view text, std::string& error);

/// Whether `text` is a stream entry id: `<milliseconds>-<sequence>`, both decimal.
bool is_entry_id(std::string_view text);
/// The smallest entry id after `id` (an entry id), as the reference's nextOffset: an exclusive
/// start for XRANGE that Redis before 6.2 understands too.
std::string next_entry_id(std::string_view id);
/// Whether entry id `a` comes before `b` in a stream (an empty `a`, none yet, comes first).
bool entry_id_before(std::string_view a, std::string_view b);

}  // namespace soket::cluster::stream_codec
