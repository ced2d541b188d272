#pragma once

#include "soket/store/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Pages of a time series (readings, text messages) and of the command list, read with a cursor.
namespace soket::store {

/// A place in a time series: the (ts, id) of a row. Rows are ordered by ts, then id, so a cursor
/// stays exact when many rows share one timestamp. Written "<ts>:<id>", e.g. "1733100000000:42".
struct Cursor {
  std::int64_t ts = 0;  ///< the row's timestamp (ms since the epoch)
  std::int64_t id = 0;  ///< the row's id, which orders rows of one ts
  /// Cursors are equal when both ts and id are.
  friend bool operator==(const Cursor&, const Cursor&) = default;
};

/// "<ts>:<id>" with both whole numbers (ts may be negative); nullopt for anything else.
std::optional<Cursor> parse_cursor(std::string_view text);
/// `cursor` written "<ts>:<id>", as parse_cursor() reads it.
std::string to_string(const Cursor& cursor);

/// Which rows of one device's series a page holds: those with from <= ts <= to that lie strictly
/// after `after` and strictly before `before`. With `after` the page is the `limit` rows right
/// after it (paging forward); otherwise the `limit` rows right before `before`, i.e. the newest
/// ones when it is unset (paging back).
struct SeriesQuery {
  std::int64_t from = -kMaxTimeMs;  ///< earliest ts (ms), inclusive
  std::int64_t to = kMaxTimeMs;     ///< latest ts (ms), inclusive
  std::optional<Cursor> before{};   ///< only rows strictly before this cursor
  std::optional<Cursor> after{};    ///< only rows strictly after it (paging forward)
  std::int64_t limit = 1000;        ///< rows per page at most
  /// Whether the query pages forward (`after` is set).
  bool forward() const { return after.has_value(); }
};

/// One page, oldest row first. `next` continues in the direction of the query (pass it as
/// `before` again, or as `after` when paging forward); nullopt when no row is left that way.
template <typename Row>
struct Page {
  std::vector<Row> rows{};       ///< the page's rows, oldest first
  std::optional<Cursor> next{};  ///< the cursor of the next page, if any
};

/// Commands by id: newest first, unless `after` is set (then the `limit` commands right after it,
/// still listed newest first). Filters are optional.
struct CommandQuery {
  std::optional<std::string> device{};   ///< only this device's commands
  std::optional<CommandState> state{};   ///< only commands in this state
  std::optional<std::int64_t> before{};  ///< ids below this one
  std::optional<std::int64_t> after{};   ///< ids above this one
  std::int64_t limit = 100;              ///< commands per page at most
};

/// Commands newest first; `next` is the id to pass as `before` (or `after`, when paging forward).
struct CommandPage {
  std::vector<Command> commands{};     ///< the page's commands, newest first
  std::optional<std::int64_t> next{};  ///< the id of the next page, if any
};

}  // namespace soket::store
