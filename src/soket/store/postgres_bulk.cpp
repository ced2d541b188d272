#include "soket/store/postgres_bulk.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cstring>

namespace soket::store {
namespace {

// "PGCOPY\n\377\r\n\0", then the flags and the header extension length (both 0).
constexpr std::array<char, 19> kHeader{'P',  'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n',
                                       '\0', 0,   0,   0,   0,   0,   0,    0,      0};

}  // namespace

// --- PgCopyRows

void PgCopyRows::clear() {
  data_.assign(kHeader.data(), kHeader.size());
  rows_ = 0;
  finished_ = false;
}

void PgCopyRows::put16(std::uint16_t value) {
  char bytes[2] = {static_cast<char>(value >> 8), static_cast<char>(value)};
  data_.append(bytes, 2);
}

void PgCopyRows::put32(std::uint32_t value) {
  char bytes[4];
  for (int i = 0; i < 4; ++i)
    bytes[i] = static_cast<char>(value >> (24 - 8 * i));
  data_.append(bytes, 4);
}

void PgCopyRows::put64(std::uint64_t value) {
  char bytes[8];
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>(value >> (56 - 8 * i));
  data_.append(bytes, 8);
}

void PgCopyRows::begin_row(std::int16_t fields) {
  put16(static_cast<std::uint16_t>(fields));
  ++rows_;
}

void PgCopyRows::add(std::int64_t value) {
  put32(8);
  put64(static_cast<std::uint64_t>(value));
}

void PgCopyRows::add(double value) {
  put32(8);
  put64(std::bit_cast<std::uint64_t>(value));
}

void PgCopyRows::add(std::string_view text) {
  put32(static_cast<std::uint32_t>(text.size()));
  data_.append(text);
}

void PgCopyRows::add(const std::optional<double>& value) {
  if (value)
    add(*value);
  else
    add_null();
}

void PgCopyRows::add(const std::optional<std::string>& text) {
  if (text)
    add(std::string_view(*text));
  else
    add_null();
}

void PgCopyRows::add_null() {
  put32(UINT32_MAX);  // -1: NULL
}

std::string_view PgCopyRows::finish() {
  if (!finished_) put16(UINT16_MAX);  // the trailer: a field count of -1
  finished_ = true;
  return data_;
}

// --- PgArrayLiteral

void PgArrayLiteral::clear() {
  text_.assign("{");
  empty_ = true;
  finished_ = false;
}

void PgArrayLiteral::separate() {
  if (!empty_) text_ += ',';
  empty_ = false;
}

void PgArrayLiteral::add(std::string_view text) {
  separate();
  text_ += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

void PgArrayLiteral::add(std::int64_t value) {
  separate();
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  text_.append(buffer, end);
}

void PgArrayLiteral::add(double value) {
  separate();
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  text_.append(buffer, end);
}

const std::string& PgArrayLiteral::finish() {
  if (!finished_) text_ += '}';
  finished_ = true;
  return text_;
}

}  // namespace soket::store
