#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <vector>

#include "soket/socketio/adapter.hpp"
#include "soket/socketio/packet.hpp"

namespace soket::socketio::cluster_codec {

// The JSON forms the reference gives to what crosses the cluster. Readers return nullopt for a
// value of the wrong shape (it came from another process and is not trusted).

/// {rooms: [...], except: [...], flags: {local?, compress?, timeout?, volatile?}}
boost::json::object options_to_json(const BroadcastOptions& options);
/// BroadcastOptions from the form above.
std::optional<BroadcastOptions> options_from_json(const boost::json::value& value);

/// {type: 2, data: [event, ...args], nsp, id?}: placeholders stay as they are.
boost::json::object packet_to_json(const Packet& packet);
/// An EVENT packet of namespace `nsp` (the packet's own nsp, when given, must match).
std::optional<Packet> packet_from_json(const boost::json::value& value, std::string_view nsp);

/// {id, handshake, rooms, data}
boost::json::object details_to_json(const SocketDetails& details);
/// SocketDetails from the form above.
std::optional<SocketDetails> details_from_json(const boost::json::value& value);

/// The string array `value`, or nullopt.
std::optional<std::vector<std::string>> strings_from_json(const boost::json::value& value);
/// `strings` as a JSON array of strings.
boost::json::array strings_to_json(const std::vector<std::string>& strings);

}  // namespace soket::socketio::cluster_codec
