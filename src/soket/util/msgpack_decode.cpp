// msgpack decoding on MsgPuck. Every read is bounds-checked here first: MsgPuck's mp_decode_*
// functions trust their input.
#include <msgpuck.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

#include "soket/util/js_date.hpp"
#include "soket/util/msgpack.hpp"
#include "soket/util/utf8.hpp"

namespace soket::msgpack {
namespace json = boost::json;
namespace {

class Decoder {
 public:
  Decoder(std::string_view bytes, const Limits& limits, std::vector<SharedBytes>& attachments)
      : cur_(bytes.data()),
        end_(bytes.data() + bytes.size()),
        limits_(limits),
        elements_left_(limits.max_elements),
        attachments_(attachments) {}

  json::value value(std::size_t depth);

  std::size_t left() const { return static_cast<std::size_t>(end_ - cur_); }

 private:
  void need(std::size_t n) const {
    if (left() < n) throw Error("msgpack: truncated input");
  }
  // Reads an n-byte big-endian unsigned length/count.
  uint32_t length(std::size_t n);
  json::string text(uint32_t length);
  json::value binary(uint32_t length);
  void enter(std::size_t depth, uint32_t entries);
  json::value array(std::size_t depth, uint32_t size);
  json::value map(std::size_t depth, uint32_t size);
  json::string key();
  json::value ext(uint8_t prefix, std::size_t depth);
  json::value date(double ms);

  const char* cur_;
  const char* end_;
  const Limits& limits_;
  std::size_t elements_left_;
  std::vector<SharedBytes>& attachments_;
};

uint32_t Decoder::length(std::size_t n) {
  need(n);
  switch (n) {
    case 1:
      return mp_load_u8(&cur_);
    case 2:
      return mp_load_u16(&cur_);
    default:
      return mp_load_u32(&cur_);
  }
}

json::string Decoder::text(uint32_t length) {
  need(length);
  std::string_view raw(cur_, length);
  cur_ += length;
  if (is_valid_utf8(raw)) return json::string(raw);
  std::string repaired;
  append_utf8_replacing_invalid(raw, repaired);
  return json::string(repaired);
}

json::value Decoder::binary(uint32_t length) {
  need(length);
  if (attachments_.size() >= limits_.max_attachments)
    throw Error("msgpack: more than " + std::to_string(limits_.max_attachments) + " binaries");
  attachments_.push_back(make_shared_bytes(std::string_view(cur_, length)));
  cur_ += length;
  json::object placeholder;
  placeholder["_placeholder"] = true;
  placeholder["num"] = static_cast<int64_t>(attachments_.size() - 1);
  return placeholder;
}

// Counts a container against the limits before anything is reserved for it.
void Decoder::enter(std::size_t depth, uint32_t entries) {
  if (depth >= limits_.max_depth)
    throw Error("msgpack: nested deeper than " + std::to_string(limits_.max_depth));
  if (entries > elements_left_)
    throw Error("msgpack: more than " + std::to_string(limits_.max_elements) + " elements");
  elements_left_ -= entries;
}

// Each element takes at least one byte, so a declared size above the bytes left is a lie that
// must not make us allocate what it claims.
json::value Decoder::array(std::size_t depth, uint32_t size) {
  if (size > left()) throw Error("msgpack: truncated input");
  enter(depth, size);
  json::array out;
  out.reserve(size);
  for (uint32_t i = 0; i < size; ++i)
    out.push_back(value(depth + 1));
  return out;
}

json::value Decoder::map(std::size_t depth, uint32_t size) {
  if (size > left() / 2) throw Error("msgpack: truncated input");
  enter(depth, size);
  json::object out;
  out.reserve(size);
  for (uint32_t i = 0; i < size; ++i) {
    json::string k = key();
    // Like `object[key] = value` in JS: a repeated key keeps its place and takes the last value.
    out.insert_or_assign(k, value(depth + 1));
  }
  return out;
}

// notepack turns any key into a JS property name; only strings and integers have an obvious one.
json::string Decoder::key() {
  need(1);
  switch (mp_typeof(*cur_)) {
    case MP_STR: {
      auto prefix = static_cast<uint8_t>(*cur_);
      if (prefix >= 0xd9) {  // str 8/16/32
        ++cur_;
        return text(length(std::size_t{1} << (prefix - 0xd9)));
      }
      return text(mp_decode_strl(&cur_));
    }
    case MP_UINT:
    case MP_INT: {
      json::value number = value(0);
      char digits[24];
      auto [end, ec] = number.is_uint64()
                           ? std::to_chars(digits, digits + sizeof digits, number.get_uint64())
                           : std::to_chars(digits, digits + sizeof digits, number.get_int64());
      return json::string(std::string_view(digits, static_cast<std::size_t>(end - digits)));
    }
    default:
      throw Error("msgpack: map key must be a string or an integer");
  }
}

// A Date as JSON.stringify writes it: an ISO string, or null for an invalid date.
json::value Decoder::date(double ms) {
  auto iso = js_date_iso_string(ms);
  if (!iso) return nullptr;
  return json::string(*iso);
}

json::value Decoder::ext(uint8_t prefix, std::size_t depth) {
  uint32_t size = 0;
  switch (prefix) {
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
      size = 1u << (prefix - 0xd4);  // fixext 1, 2, 4, 8, 16
      break;
    case 0xc7:
      size = length(1);
      break;
    case 0xc8:
      size = length(2);
      break;
    case 0xc9:
      size = length(4);
      break;
    default:
      throw Error("msgpack: reserved type 0xc1");
  }
  need(1);
  auto type = static_cast<int8_t>(mp_load_u8(&cur_));
  need(size);
  const bool fixed = prefix >= 0xd4;
  if (type == 0 && !fixed) return binary(size);  // notepack's ArrayBuffer
  if (type == 0 && prefix == 0xd4) {             // notepack's undefined
    ++cur_;
    return nullptr;
  }
  if (type == 0 && prefix == 0xd7) {  // notepack's old date: int64 milliseconds
    double hi = static_cast<int32_t>(mp_load_u32(&cur_)) * 4294967296.0;
    double lo = mp_load_u32(&cur_);
    return date(hi + lo);
  }
  if (type == -1 && prefix == 0xd6) {  // timestamp 32: seconds
    return date(mp_load_u32(&cur_) * 1e3);
  }
  if (type == -1 && prefix == 0xd7) {  // timestamp 64: 30-bit nanoseconds, 34-bit seconds
    uint32_t hi = mp_load_u32(&cur_);
    uint32_t lo = mp_load_u32(&cur_);
    double seconds = (hi & 0x3) * 4294967296.0 + lo;
    return date(seconds * 1e3 + (hi >> 2) / 1e6);
  }
  if (type == -1 && prefix == 0xc7) {  // timestamp 96: 32-bit nanoseconds, int64 seconds
    // notepack reads 12 bytes whatever the length says; anything else is corrupt, not a date.
    if (size != 12) throw Error("msgpack: timestamp 96 must be 12 bytes long");
    double ns = mp_load_u32(&cur_);
    double hi = static_cast<int32_t>(mp_load_u32(&cur_));
    double lo = mp_load_u32(&cur_);
    return date((hi * 4294967296.0 + lo) * 1e3 + ns / 1e6);
  }
  enter(depth, 2);
  json::array pair;
  pair.reserve(2);
  pair.emplace_back(static_cast<int64_t>(type));
  pair.push_back(binary(size));
  return pair;
}

json::value Decoder::value(std::size_t depth) {
  need(1);
  auto prefix = static_cast<uint8_t>(*cur_);
  switch (mp_typeof(*cur_)) {
    case MP_NIL:
      ++cur_;
      return nullptr;
    case MP_BOOL:
      return mp_decode_bool(&cur_);
    case MP_UINT: {
      if (prefix >= 0xcc) need(1 + (std::size_t{1} << (prefix - 0xcc)));
      uint64_t v = mp_decode_uint(&cur_);
      if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return static_cast<int64_t>(v);
      return v;
    }
    case MP_INT:
      if (prefix >= 0xd0 && prefix <= 0xd3) need(1 + (std::size_t{1} << (prefix - 0xd0)));
      return mp_decode_int(&cur_);
    case MP_FLOAT:
      need(5);
      return static_cast<double>(mp_decode_float(&cur_));
    case MP_DOUBLE:
      need(9);
      return mp_decode_double(&cur_);
    case MP_STR:
      if (prefix >= 0xd9) {
        ++cur_;
        return text(length(std::size_t{1} << (prefix - 0xd9)));
      }
      return text(mp_decode_strl(&cur_));
    case MP_BIN:
      ++cur_;
      return binary(length(std::size_t{1} << (prefix - 0xc4)));
    case MP_ARRAY:
      if (prefix >= 0xdc) {
        ++cur_;
        return array(depth, length(prefix == 0xdc ? 2 : 4));
      }
      return array(depth, mp_decode_array(&cur_));
    case MP_MAP:
      if (prefix >= 0xde) {
        ++cur_;
        return map(depth, length(prefix == 0xde ? 2 : 4));
      }
      return map(depth, mp_decode_map(&cur_));
    case MP_EXT:
      ++cur_;
      return ext(prefix, depth);
  }
  throw Error("msgpack: unknown type");
}

}  // namespace

Document decode(std::string_view bytes, const Limits& limits) {
  Document doc;
  Decoder decoder(bytes, limits, doc.attachments);
  doc.value = decoder.value(0);
  if (decoder.left() != 0)
    throw Error("msgpack: " + std::to_string(decoder.left()) + " trailing bytes");
  return doc;
}

}  // namespace soket::msgpack
