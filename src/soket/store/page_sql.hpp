#pragma once

#include <string>
#include <string_view>

// The SQL of the paged queries (page_reader.cpp), shared with the tests that check their query
// plans. Parameters of a series query: ?1 device, ?2..?3 the ts range, ?4..?5 the `after` cursor,
// ?6..?7 the `before` cursor, ?8 the limit.
namespace soket::store::page_sql {

/// Which series a query reads.
///
/// `readings`: the readings table; `texts`: the text messages table.
enum class Series { readings, texts };

/// Rows of one device's series in (ts, id) order (descending when newest_first), at most ?8.
std::string series_rows(Series series, bool newest_first);

/// The distinct timestamps of a device's readings with the smallest and largest id at each, in ts
/// order (descending when newest_first), at most ?8: the rows of a wide page.
std::string reading_times(bool newest_first);

/// Commands by id (descending when newest_first), optionally of one device (?1) and one state
/// (?2), with ?3 < id < ?4, at most ?5.
std::string commands(bool by_device, bool by_state, bool newest_first);

}  // namespace soket::store::page_sql
