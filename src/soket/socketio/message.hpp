#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <string>
#include <utility>
#include <vector>

#include "soket/util/bytes.hpp"

namespace soket::socketio {

/// A binary argument: sent as a binary attachment, never as JSON.
struct Binary {
  SharedBytes bytes;
};

/// The arguments of an event or an acknowledgement. Binary values sit in `args` as placeholders
/// {"_placeholder":true,"num":i} that point into `attachments`, exactly as on the wire, so a
/// message received can be sent on again without re-encoding its binaries.
struct Message {
  boost::json::array args;
  std::vector<SharedBytes> attachments;

  /// Stores `bytes` as an attachment and returns the placeholder to put where the value belongs.
  boost::json::value add_binary(SharedBytes bytes);

  /// The bytes a placeholder stands for, or nullptr when `value` is not a valid placeholder.
  const std::string* binary(const boost::json::value& value) const;

  /// The string at args[i], or an empty view when it is missing or not a string.
  std::string_view string_at(std::size_t i) const;

  /// Appends `value` to args; binary placeholders in it, which point into `attachments`, are
  /// renumbered to point into this message's attachments (the bytes are shared, not copied).
  void append_from(const boost::json::value& value, const std::vector<SharedBytes>& attachments);
};

namespace detail {
inline void append(Message& m, Binary b) {
  m.args.push_back(m.add_binary(std::move(b.bytes)));
}
inline void append(Message& m, boost::json::value v) {
  m.args.push_back(std::move(v));
}
template <class T>
void append(Message& m, T&& v) {
  m.args.push_back(boost::json::value_from(std::forward<T>(v)));
}
}  // namespace detail

/// Builds a message from any values Boost.JSON can convert, and Binary values.
template <class... T>
Message make_message(T&&... values) {
  Message m;
  m.args.reserve(sizeof...(T));
  (detail::append(m, std::forward<T>(values)), ...);
  return m;
}

}  // namespace soket::socketio
