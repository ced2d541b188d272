#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Encodings for sending many rows to PostgreSQL at once: the binary COPY format and text array
// literals (for unnest()). Neither checks its text: PostgreSQL text must be valid UTF-8 without
// NUL bytes, which the caller makes sure of.
namespace soket::store {

/// The data of one `COPY ... FROM STDIN (FORMAT binary)`: the header, rows of fields, the
/// trailer. Build with begin_row() and one add per column, in the COPY's column order.
class PgCopyRows {
 public:
  /// Empty: the header only.
  PgCopyRows() { clear(); }

  /// Starts again with no rows (keeps the capacity).
  void clear();
  /// Starts a row of `fields` columns.
  void begin_row(std::int16_t fields);
  /// An int8 (bigint) field.
  void add(std::int64_t value);
  /// A float8 (double precision) field.
  void add(double value);
  /// A text field.
  void add(std::string_view text);
  /// A float8 field, NULL when unset.
  void add(const std::optional<double>& value);
  /// A text field, NULL when unset.
  void add(const std::optional<std::string>& text);
  /// A NULL field.
  void add_null();

  /// Rows added since clear().
  std::size_t rows() const { return rows_; }
  /// The whole COPY data, trailer included; add nothing more until clear().
  std::string_view finish();

 private:
  void put16(std::uint16_t value);
  void put32(std::uint32_t value);
  void put64(std::uint64_t value);

  std::string data_;
  std::size_t rows_ = 0;
  bool finished_ = false;
};

/// A one-dimensional array literal in PostgreSQL's text form ("{...}") for a parameter such as
/// `$1::text[]`; every element is quoted, so any text reads back as itself.
class PgArrayLiteral {
 public:
  /// Empty: "{}" once finished.
  PgArrayLiteral() { clear(); }

  /// Starts again with no elements (keeps the capacity).
  void clear();
  /// A text element, quoted (a backslash before each double quote and backslash).
  void add(std::string_view text);
  /// An integer element.
  void add(std::int64_t value);
  /// The shortest text that reads back as the same double (finite values only).
  void add(double value);
  /// The literal, closed; add nothing more until clear().
  const std::string& finish();

 private:
  void separate();

  std::string text_;
  bool empty_ = true;
  bool finished_ = false;
};

}  // namespace soket::store
