#pragma once

#include "soket/store/sqlite.hpp"
#include "soket/store/types.hpp"

#include <string_view>

// Rows of the store from SQLite statements, for the columns the queries select (in order):
// devices: id, name, group_name, kind, transport, address, first_seen, last_seen, online, node;
// readings: id, device_id, ts, key, value, text;
// commands: id, device_id, command, source, state, created_at, sent_at, acked_at, reply.
namespace soket::store::sqlite_rows {

/// The SELECT and FROM of a query of devices, in the order device() reads.
inline constexpr std::string_view kDeviceColumns =
    "SELECT id, name, group_name, kind, transport, address, first_seen, last_seen, online, node "
    "FROM devices ";
/// The SELECT and FROM of a query of readings, in the order reading() reads.
inline constexpr std::string_view kReadingColumns =
    "SELECT id, device_id, ts, key, value, text FROM readings ";
/// The SELECT and FROM of a query of commands, in the order command() reads.
inline constexpr std::string_view kCommandColumns =
    "SELECT id, device_id, command, source, state, created_at, sent_at, acked_at, reply "
    "FROM commands ";

/// The current row of `s` (kDeviceColumns) as a Device.
Device device(const Statement& s);
/// The current row of `s` (kReadingColumns) as a Reading.
Reading reading(const Statement& s);
/// The current row of `s` (kCommandColumns) as a Command.
Command command(const Statement& s);

}  // namespace soket::store::sqlite_rows
