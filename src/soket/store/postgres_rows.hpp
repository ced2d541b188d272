#pragma once

#include "soket/store/postgres.hpp"
#include "soket/store/types.hpp"

#include <vector>

// Rows of the store from PostgreSQL results, for the columns the queries select (in order):
// devices: id, name, group_name, kind, transport, address, first_seen, last_seen, online, node;
// readings: id, device_id, ts, key, value, text; text messages: id, device_id, ts, text;
// commands: id, device_id, command, source, state, created_at, sent_at, acked_at, reply.
namespace soket::store::pg_rows {

inline constexpr const char* kDeviceColumns =
    "SELECT id, name, group_name, kind, transport, address, first_seen, last_seen, online, node "
    "FROM devices ";
inline constexpr const char* kReadingColumns =
    "SELECT id, device_id, ts, key, value, text FROM readings ";
inline constexpr const char* kCommandColumns =
    "SELECT id, device_id, command, source, state, created_at, sent_at, acked_at, reply "
    "FROM commands ";

Device device(const PgResult& r, int row);
Reading reading(const PgResult& r, int row);
TextMessage text_message(const PgResult& r, int row);
Command command(const PgResult& r, int row);

template <typename Row, typename Convert>
std::vector<Row> all(const PgResult& r, Convert convert) {
  std::vector<Row> rows;
  rows.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    rows.push_back(convert(r, i));
  return rows;
}

}  // namespace soket::store::pg_rows
