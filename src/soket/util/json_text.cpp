#include "soket/util/json_text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace soket::json_text {
namespace {

// The digits and decimal exponent of the shortest round-trip form: value = 0.DIGITS x 10^point.
struct Decimal {
  char digits[20];
  int count = 0;
  int point = 0;
};

Decimal shortest_decimal(double magnitude) {
  // Shortest round-trip digits in scientific form, e.g. "2.22e+01" or "5e-324".
  char sci[kMaxNumberChars];
  auto end = std::to_chars(sci, sci + sizeof sci, magnitude, std::chars_format::scientific).ptr;
  Decimal d;
  const char* p = sci;
  for (; p != end && *p != 'e'; ++p)
    if (*p != '.') d.digits[d.count++] = *p;
  int exponent = 0;
  if (p != end) (void)std::from_chars(p + (p[1] == '+' ? 2 : 1), end, exponent);
  d.point = exponent + 1;
  return d;
}

char* write_exponent(char* out, int exponent) {
  *out++ = 'e';
  *out++ = exponent < 0 ? '-' : '+';
  return std::to_chars(out, out + 8, exponent < 0 ? -exponent : exponent).ptr;
}

// How each byte is written inside a JSON string: 0 as itself, else the letter after a backslash
// ('u' for \u00XX).
constexpr std::array<char, 256> kEscapes = [] {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c)
    table[static_cast<std::size_t>(c)] = 'u';
  table['\b'] = 'b';
  table['\f'] = 'f';
  table['\n'] = 'n';
  table['\r'] = 'r';
  table['\t'] = 't';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}();

void append_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet appended
  for (std::size_t i = 0; i < s.size(); ++i) {
    char escape = kEscapes[static_cast<unsigned char>(s[i])];
    if (escape == 0) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    if (escape != 'u') {
      char pair[2] = {'\\', escape};
      out.append(pair, 2);
      continue;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    auto byte = static_cast<unsigned char>(s[i]);
    char code[6] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 15]};
    out.append(code, 6);
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

template <typename Int>
void append_integer(std::string& out, Int n) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

}  // namespace

std::size_t format_number(double value, char* out) {
  if (!std::isfinite(value)) return 0;
  char* p = out;
  if (value == 0) {  // 0 and -0
    *p = '0';
    return 1;
  }
  if (value < 0) {
    *p++ = '-';
    value = -value;
  }
  // Whole numbers below 2^53 (counts, most readings): their integer digits are the shortest form.
  if (value < 9007199254740992.0 && value == static_cast<double>(static_cast<std::int64_t>(value)))
    return static_cast<std::size_t>(
        std::to_chars(p, out + kMaxNumberChars, static_cast<std::int64_t>(value)).ptr - out);
  Decimal d = shortest_decimal(value);
  const int k = d.count, n = d.point;
  if (k <= n && n <= 21) {  // a whole number: its digits and n - k zeros
    std::memcpy(p, d.digits, static_cast<std::size_t>(k));
    p += k;
    std::memset(p, '0', static_cast<std::size_t>(n - k));
    p += n - k;
  } else if (0 < n && n <= 21) {  // the point inside the digits
    std::memcpy(p, d.digits, static_cast<std::size_t>(n));
    p += n;
    *p++ = '.';
    std::memcpy(p, d.digits + n, static_cast<std::size_t>(k - n));
    p += k - n;
  } else if (-6 < n && n <= 0) {  // 0.000ddd
    *p++ = '0';
    *p++ = '.';
    std::memset(p, '0', static_cast<std::size_t>(-n));
    p += -n;
    std::memcpy(p, d.digits, static_cast<std::size_t>(k));
    p += k;
  } else {  // d.ddde+N
    *p++ = d.digits[0];
    if (k > 1) {
      *p++ = '.';
      std::memcpy(p, d.digits + 1, static_cast<std::size_t>(k - 1));
      p += k - 1;
    }
    p = write_exponent(p, n - 1);
  }
  return static_cast<std::size_t>(p - out);
}

bool append_number(std::string& out, double value) {
  char buf[kMaxNumberChars];
  std::size_t size = format_number(value, buf);
  if (size == 0) return false;
  out.append(buf, size);
  return true;
}

void append_json(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out += "null";
      return;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::int64:
      return append_integer(out, value.get_int64());
    case boost::json::kind::uint64:
      return append_integer(out, value.get_uint64());
    case boost::json::kind::double_:
      if (!append_number(out, value.get_double())) out += "null";
      return;
    case boost::json::kind::string:
      return append_string(out, value.get_string());
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_json(out, item);
      }
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out += ',';
        first = false;
        append_string(out, member.key());
        out += ':';
        append_json(out, member.value());
      }
      out += '}';
      return;
    }
  }
}

std::string to_json(const boost::json::value& value) {
  std::string out;
  out.reserve(128);  // most events and answers fit: no regrowth on the way
  append_json(out, value);
  return out;
}

}  // namespace soket::json_text
