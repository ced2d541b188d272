#pragma once

#include "soket/store/sqlite.hpp"
#include "soket/store/types.hpp"

#include <string_view>

// Rows of the store from SQLite statements, for the columns the queries select (in order):
// devices: id, name, group_name, kind, transport, address, first_seen, last_seen, online, node;
// readings: id, device_id, ts, key, value, text;
// commands: id, device_id, command, source, state, created_at, sent_at, acked_at, reply.
namespace soket::store::sqlite_rows {

inline constexpr std::string_view kDeviceColumns =
    "SELECT id, name, group_name, kind, transport, address, first_seen, last_seen, online, node "
    "FROM devices ";
inline constexpr std::string_view kReadingColumns =
    "SELECT id, device_id, ts, key, value, text FROM readings ";
inline constexpr std::string_view kCommandColumns =
    "SELECT id, device_id, command, source, state, created_at, sent_at, acked_at, reply "
    "FROM commands ";

Device device(const Statement& s);
Reading reading(const Statement& s);
Command command(const Statement& s);

}  // namespace soket::store::sqlite_rows
