#include "soket/store/sqlite_rows.hpp"

namespace soket::store::sqlite_rows {
namespace {

std::optional<std::int64_t> optional_int(const Statement& s, int index) {
  if (s.column_is_null(index)) return std::nullopt;
  return s.column_int64(index);
}

}  // namespace

Device device(const Statement& s) {
  return Device{s.column_text(0),          s.column_optional_text(1), s.column_optional_text(2),
                s.column_optional_text(3), s.column_optional_text(4), s.column_optional_text(5),
                s.column_int64(6),         s.column_int64(7),         s.column_int64(8) != 0,
                s.column_optional_text(9)};
}

Reading reading(const Statement& s) {
  return Reading{s.column_int64(0),           s.column_text(1),
                 s.column_int64(2),           s.column_text(3),
                 s.column_optional_double(4), s.column_optional_text(5)};
}

Command command(const Statement& s) {
  // The CHECK constraints of the schema guarantee known names.
  return Command{s.column_int64(0),
                 s.column_text(1),
                 s.column_text(2),
                 parse_command_source(s.column_text(3)).value_or(CommandSource::dashboard),
                 parse_command_state(s.column_text(4)).value_or(CommandState::failed),
                 s.column_int64(5),
                 optional_int(s, 6),
                 optional_int(s, 7),
                 s.column_optional_text(8)};
}

}  // namespace soket::store::sqlite_rows
