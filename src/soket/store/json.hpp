#pragma once

#include "soket/store/metrics.hpp"
#include "soket/store/types.hpp"

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

// JSON forms of the store's rows, for the REST API and the dashboard:
//   boost::json::value v = boost::json::value_from(reader.devices());
// Device, Command, Alert and ChatMessage follow docs/hub-protocol.md: Device {id, name, group,
// kind, transport, address, online, first_seen, last_seen} with "" for unknown text (the hub adds
// `latest`); Command {id, device, command, source, state, created, sent?, acked?, reply?};
// Alert {id, ts, rule, device ("" if none), message, value?}; ChatMessage {id, ts, user, text,
// origin}. Reading {id, device_id, ts, key, value|null, text|null}; ReadingBucket {key, start,
// width, count, avg, min, max}; TextMessage {id, device_id, ts, text}. Enums are their names.
namespace soket::store {

/// `device` as JSON, for boost::json::value_from (see the forms above).
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Device& device);
/// `reading` as JSON, for boost::json::value_from.
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Reading& reading);
/// `bucket` as JSON, for boost::json::value_from.
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const ReadingBucket& bucket);
/// `message` as JSON, for boost::json::value_from.
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const TextMessage& message);
/// `command` as JSON, for boost::json::value_from.
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Command& command);
/// `message` as JSON, for boost::json::value_from.
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const ChatMessage& message);
/// `alert` as JSON, for boost::json::value_from.
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Alert& alert);
/// `metrics` as JSON (one field per counter), for boost::json::value_from.
void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const WriterMetrics& metrics);

}  // namespace soket::store
