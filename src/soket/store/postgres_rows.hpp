#pragma once

#include "soket/store/postgres.hpp"
#include "soket/store/types.hpp"

#include <vector>

// Rows of the store from PostgreSQL results, for the columns the queries select (in order):
// devices: id, name, group_name, kind, transport, address, first_seen, last_seen, online, node;
// readings: id, device_id, ts, key, value, text; text messages: id, device_id, ts, text;
// commands: id, device_id, command, source, state, created_at, sent_at, acked_at, reply.
namespace soket::store::pg_rows {

/// The SELECT and FROM of a query of devices, in the order device() reads.
inline constexpr const char* kDeviceColumns =
    "SELECT id, name, group_name, kind, transport, address, first_seen, last_seen, online, node "
    "FROM devices ";
/// The SELECT and FROM of a query of readings, in the order reading() reads.
inline constexpr const char* kReadingColumns =
    "SELECT id, device_id, ts, key, value, text FROM readings ";
/// The SELECT and FROM of a query of commands, in the order command() reads.
inline constexpr const char* kCommandColumns =
    "SELECT id, device_id, command, source, state, created_at, sent_at, acked_at, reply "
    "FROM commands ";

/// Row `row` of `r` (kDeviceColumns) as a Device.
Device device(const PgResult& r, int row);
/// Row `row` of `r` (kReadingColumns) as a Reading.
Reading reading(const PgResult& r, int row);
/// Row `row` of `r` (id, device_id, ts, text) as a TextMessage.
TextMessage text_message(const PgResult& r, int row);
/// Row `row` of `r` (kCommandColumns) as a Command.
Command command(const PgResult& r, int row);

/// Every row of `r`, each converted by `convert(r, row)`.
template <typename Row, typename Convert>
std::vector<Row> all(const PgResult& r, Convert convert) {
  std::vector<Row> rows;
  rows.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    rows.push_back(convert(r, i));
  return rows;
}

}  // namespace soket::store::pg_rows
