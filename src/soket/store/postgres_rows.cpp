#include "soket/store/postgres_rows.hpp"

namespace soket::store::pg_rows {

Device device(const PgResult& r, int row) {
  return Device{r.string(row, 0),          r.optional_string(row, 1), r.optional_string(row, 2),
                r.optional_string(row, 3), r.optional_string(row, 4), r.optional_string(row, 5),
                r.int64(row, 6),           r.int64(row, 7),           r.int64(row, 8) != 0,
                r.optional_string(row, 9)};
}

Reading reading(const PgResult& r, int row) {
  return Reading{r.int64(row, 0),  r.string(row, 1),        r.int64(row, 2),
                 r.string(row, 3), r.optional_real(row, 4), r.optional_string(row, 5)};
}

TextMessage text_message(const PgResult& r, int row) {
  return TextMessage{r.int64(row, 0), r.string(row, 1), r.int64(row, 2), r.string(row, 3)};
}

Command command(const PgResult& r, int row) {
  // The CHECK constraints of the schema guarantee known names.
  return Command{r.int64(row, 0),
                 r.string(row, 1),
                 r.string(row, 2),
                 parse_command_source(r.text(row, 3)).value_or(CommandSource::dashboard),
                 parse_command_state(r.text(row, 4)).value_or(CommandState::failed),
                 r.int64(row, 5),
                 r.optional_int64(row, 6),
                 r.optional_int64(row, 7),
                 r.optional_string(row, 8)};
}

}  // namespace soket::store::pg_rows
