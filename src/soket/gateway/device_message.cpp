#include "soket/gateway/device_message.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <optional>

#include "soket/gateway/text_check.hpp"

namespace soket::gateway {
namespace {

constexpr std::string_view kSeparators = " \t,;";

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_name_char(char c) {
  return is_alnum(c) || c == '_' || c == '.' || c == '-';
}

bool all_name_chars(std::string_view s) {
  for (char c : s) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

// A short excerpt of user input for an error reason, cut at a UTF-8 character boundary. The
// reason goes back to the device as one printable line, so control characters (a JSON key can
// hold "\r" as an escape) are written as \xNN.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 32;
  std::size_t cut = s.size();
  if (cut > kMax) {
    cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
      --cut;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(cut + 5);
  out += '\'';
  for (char c : s.substr(0, cut)) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  if (cut < s.size()) out += "...";
  out += '\'';
  return out;
}

std::optional<double> parse_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
  // from_chars also reads "inf"/"nan" spellings; those are rejected by isfinite above.
  return value;
}

// Splits at any run of separators; never yields empty words.
template <class F>
bool for_each_word(std::string_view s, std::string_view separators, F&& f) {
  while (true) {
    auto start = s.find_first_not_of(separators);
    if (start == std::string_view::npos) return true;
    s.remove_prefix(start);
    auto end = s.find_first_of(separators);
    if (!f(s.substr(0, end))) return false;
    if (end == std::string_view::npos) return true;
    s.remove_prefix(end);
  }
}

DeviceParseResult failure(std::string reason) {
  DeviceParseResult result;
  result.error = std::move(reason);
  return result;
}

DeviceParseResult parse_hello(std::string_view body, DeviceParseResult result) {
  constexpr std::size_t kMaxWords = 2 + 1 + kMaxHelloAttributes;
  std::vector<std::string_view> words;
  for_each_word(body, " \t", [&](std::string_view w) {
    words.push_back(w);
    return words.size() <= kMaxWords;
  });
  if (words.size() < 2) return failure("HELLO needs a device id: HELLO <device-id> [token]");
  if (words.size() > kMaxWords) return failure("HELLO has too many attributes (at most 8)");
  if (!is_valid_device_id(words[1])) {
    return failure("invalid device id " + quoted(words[1]) +
                   ": use 1-64 characters A-Z a-z 0-9 _ . - starting with a letter or digit");
  }
  std::size_t next = 2;
  // An optional token, then optional attributes (key=value: group, kind, name...).
  if (next < words.size() && words[next].find('=') == std::string_view::npos) {
    std::string_view token = words[next++];
    if (token.size() > kMaxTokenLength) return failure("token too long");
    for (char c : token) {
      if (static_cast<unsigned char>(c) > 0x7E) return failure("token must be printable ASCII");
    }
    result.message.token = std::string(token);
  }
  for (; next < words.size(); ++next) {
    std::string_view word = words[next];
    auto eq = word.find('=');
    if (eq == std::string_view::npos)
      return failure("HELLO attributes are key=value, not " + quoted(word));
    std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
    if (!is_valid_reading_key(key)) return failure("invalid HELLO attribute " + quoted(word));
    if (value.empty() || value.size() > kMaxDeviceIdLength || !is_valid_device_id(value))
      return failure("invalid value for HELLO attribute " + quoted(key));
    if (result.message.fields.contains(key)) return failure("duplicate key " + quoted(key));
    if (result.message.fields.size() == kMaxHelloAttributes)
      return failure("HELLO has too many attributes (at most 8)");
    result.message.fields[key] = value;
  }
  result.message.kind = DeviceMessageKind::hello;
  result.message.device_id = std::string(words[1]);
  return result;
}

std::optional<DeviceParseResult> parse_reply(std::string_view body, DeviceParseResult result) {
  struct Keyword {
    std::string_view word;
    ReplyStatus status;
  };
  constexpr Keyword kKeywords[] = {
      {"OK", ReplyStatus::ok}, {"ACK", ReplyStatus::ack}, {"ERR", ReplyStatus::err}};
  for (const auto& keyword : kKeywords) {
    if (!body.starts_with(keyword.word)) continue;
    std::string_view rest = body.substr(keyword.word.size());
    if (!rest.empty() && rest.front() != ' ' && rest.front() != '\t') continue;
    result.message.kind = DeviceMessageKind::reply;
    result.message.reply_status = keyword.status;
    result.message.reply_detail = std::string(trim_blanks(rest));
    return result;
  }
  return std::nullopt;
}

DeviceParseResult parse_json(std::string_view body, DeviceParseResult result) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec) return failure("invalid JSON: " + ec.message());
  if (!value.is_object()) return failure("invalid JSON: expected one object");
  for (auto& member : value.as_object()) {
    const auto& v = member.value();
    std::string_view key = member.key();
    if (!v.is_number()) {
      result.message.fields.emplace(key, v);
      continue;
    }
    if (!is_valid_reading_key(key)) {
      return failure("invalid key " + quoted(key) +
                     ": use 1-64 characters A-Z a-z 0-9 _ . - starting with a letter, digit or _");
    }
    double number = v.to_number<double>(ec);
    if (ec || !std::isfinite(number)) return failure("number out of range for " + quoted(key));
    result.message.readings.push_back({std::string(key), number});
  }
  result.message.kind = DeviceMessageKind::json;
  return result;
}

DeviceParseResult parse_readings(std::string_view body, DeviceParseResult result) {
  std::string error;
  result.message.readings.reserve(4);  // one allocation for the usual few values
  for_each_word(body, kSeparators, [&](std::string_view word) {
    auto eq = word.find('=');
    if (eq == std::string_view::npos) {
      error = quoted(word) + " is not key=value";
      return false;
    }
    std::string_view key = word.substr(0, eq);
    std::string_view value = word.substr(eq + 1);
    if (key.empty()) {
      error = "missing key in " + quoted(word);
      return false;
    }
    if (!is_valid_reading_key(key)) {
      error = "invalid key " + quoted(key) +
              ": use 1-64 characters A-Z a-z 0-9 _ . - starting with a letter, digit or _";
      return false;
    }
    if (value.empty()) {
      error = "missing value for " + quoted(key);
      return false;
    }
    if (value.find('=') != std::string_view::npos) {
      error = "more than one '=' in " + quoted(word);
      return false;
    }
    auto& message = result.message;
    bool seen = message.fields.contains(key);
    for (const auto& r : message.readings)
      seen = seen || r.key == key;
    if (seen) {
      error = "duplicate key " + quoted(key);
      return false;
    }
    if (auto number = parse_number(value)) {
      message.readings.push_back({std::string(key), *number});
    } else {
      message.fields.emplace(key, value);
    }
    return true;
  });
  if (!error.empty()) return failure(std::move(error));
  result.message.kind = DeviceMessageKind::readings;
  return result;
}

}  // namespace

bool is_valid_device_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxDeviceIdLength && is_alnum(id.front()) &&
         all_name_chars(id);
}

bool is_valid_reading_key(std::string_view key) {
  return !key.empty() && key.size() <= kMaxKeyLength &&
         (is_alnum(key.front()) || key.front() == '_') && all_name_chars(key);
}

DeviceParseResult parse_device_message(std::string_view raw) {
  if (auto problem = text_problem(raw)) return failure(std::string(*problem));
  std::string_view body = trim_blanks(raw);
  if (body.empty()) return failure("empty message");

  DeviceParseResult result;
  result.message.raw = std::string(raw);

  std::string_view first_word = body.substr(0, body.find_first_of(" \t"));
  if (first_word == "HELLO") return parse_hello(body, std::move(result));
  if (auto reply = parse_reply(body, result)) return std::move(*reply);
  if (body.front() == '{') return parse_json(body, std::move(result));
  std::string_view first_item = body.substr(0, body.find_first_of(kSeparators));
  if (first_item.find('=') != std::string_view::npos) {
    return parse_readings(body, std::move(result));
  }
  result.message.kind = DeviceMessageKind::text;
  result.message.text = std::string(body);
  return result;
}

}  // namespace soket::gateway
