// msgpack encoding on MsgPuck, choosing the same forms as notepack.io: the smallest int/uint,
// str 8 for 32..255 bytes, float 64 only for numbers that are not integers.
#include <msgpuck.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

#include "soket/util/msgpack.hpp"

namespace soket::msgpack {
namespace json = boost::json;
namespace {

class Encoder {
 public:
  Encoder(std::span<const SharedBytes> attachments, std::string& out)
      : attachments_(attachments), out_(out) {}

  void value(const json::value& v);

 private:
  // Runs a MsgPuck encoder into a scratch buffer big enough for any header or scalar (9 bytes).
  template <class F>
  void put(F encode) {
    char buffer[16];
    char* end = encode(buffer);
    out_.append(buffer, static_cast<std::size_t>(end - buffer));
  }
  static uint32_t checked_size(std::size_t size, const char* what) {
    if (size > std::numeric_limits<uint32_t>::max())
      throw Error(std::string("msgpack: ") + what + " too large");
    return static_cast<uint32_t>(size);
  }
  void integer(int64_t v);
  void number(double v);
  void string(std::string_view s);
  const std::string* placeholder_bytes(const json::object& object) const;

  std::span<const SharedBytes> attachments_;
  std::string& out_;
};

void Encoder::integer(int64_t v) {
  if (v >= 0)
    put([&](char* p) { return mp_encode_uint(p, static_cast<uint64_t>(v)); });
  else
    put([&](char* p) { return mp_encode_int(p, v); });
}

// JS has one number type: notepack writes any integral number as an integer. Beyond 2^53 its
// integer path loses bits (and breaks past 2^64), so those stay float 64 here.
void Encoder::number(double v) {
  constexpr double kMaxSafe = 9007199254740992.0;  // 2^53
  if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) <= kMaxSafe)
    integer(static_cast<int64_t>(v));  // -0 becomes 0, as in notepack
  else
    put([&](char* p) { return mp_encode_double(p, v); });
}

void Encoder::string(std::string_view s) {
  uint32_t size = checked_size(s.size(), "string");
  put([&](char* p) { return mp_encode_strl(p, size); });
  out_.append(s);
}

// The bytes of a binary placeholder, with the rule of socketio::is_placeholder (which this layer
// cannot call): {"_placeholder":true,"num":i} with i an attachment index (1.0 counts, as in JS).
const std::string* Encoder::placeholder_bytes(const json::object& object) const {
  const json::value* marker = object.if_contains("_placeholder");
  if (!marker || !marker->is_bool() || !marker->get_bool()) return nullptr;
  const json::value* num = object.if_contains("num");
  if (!num) return nullptr;
  json::error_code ec;
  auto index = num->to_number<uint64_t>(ec);
  if (ec || index >= attachments_.size()) return nullptr;
  static const std::string kEmpty;
  const SharedBytes& bytes = attachments_[index];
  return bytes ? bytes.get() : &kEmpty;
}

void Encoder::value(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      put([](char* p) { return mp_encode_nil(p); });
      return;
    case json::kind::bool_:
      put([&](char* p) { return mp_encode_bool(p, v.get_bool()); });
      return;
    case json::kind::int64:
      integer(v.get_int64());
      return;
    case json::kind::uint64:
      put([&](char* p) { return mp_encode_uint(p, v.get_uint64()); });
      return;
    case json::kind::double_:
      number(v.get_double());
      return;
    case json::kind::string:
      string(v.get_string());
      return;
    case json::kind::array: {
      const json::array& array = v.get_array();
      uint32_t size = checked_size(array.size(), "array");
      put([&](char* p) { return mp_encode_array(p, size); });
      for (const json::value& element : array)
        value(element);
      return;
    }
    case json::kind::object: {
      const json::object& object = v.get_object();
      if (const std::string* bytes = placeholder_bytes(object)) {
        uint32_t size = checked_size(bytes->size(), "binary");
        put([&](char* p) { return mp_encode_binl(p, size); });
        out_.append(*bytes);
        return;
      }
      uint32_t size = checked_size(object.size(), "object");
      put([&](char* p) { return mp_encode_map(p, size); });
      for (const json::key_value_pair& entry : object) {
        string(entry.key());
        value(entry.value());
      }
      return;
    }
  }
}

}  // namespace

void encode(const json::value& value, std::span<const SharedBytes> attachments, std::string& out) {
  Encoder(attachments, out).value(value);
}

std::string encode(const json::value& value, std::span<const SharedBytes> attachments) {
  std::string out;
  encode(value, attachments, out);
  return out;
}

}  // namespace soket::msgpack
