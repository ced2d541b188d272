#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "soket/socketio/cluster_message.hpp"

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

}  // namespace soket::cluster::stream_codec
