#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <optional>
#include <stdexcept>

#include <string>
#include <utility>
#include <vector>

#include "soket/util/bytes.hpp"

namespace soket::socketio {

/// A binary argument: sent as a binary attachment, never as JSON.
struct Binary {
  /// The bytes.
  SharedBytes bytes;
};

/// The arguments of an event or an acknowledgement. Binary values sit in `args` as placeholders
/// {"_placeholder":true,"num":i} that point into `attachments`, exactly as on the wire, so a
/// message received can be sent on again without re-encoding its binaries.
struct Message {
  /// The arguments, binary ones as placeholders.
  boost::json::array args;
  /// The binary attachments the placeholders point to.
  std::vector<SharedBytes> attachments;

  /// Stores `bytes` as an attachment and returns the placeholder to put where the value belongs.
  boost::json::value add_binary(SharedBytes bytes);

  /// The bytes a placeholder stands for, or nullptr when `value` is not a valid placeholder.
  const std::string* binary(const boost::json::value& value) const;

  /// The string at args[i], or an empty view when it is missing or not a string.
  std::string_view string_at(std::size_t i) const;

  /// args[i] converted to T with Boost.JSON's value_to (numbers, strings, bools, containers, and
  /// any type with a tag_invoke conversion): `m.get<double>(1)`, `m.as<Reading>(0)`. Throws
  /// std::out_of_range when the argument is missing and boost::system::system_error when it does
  /// not convert (an int64 converts to double; a double with a fraction does not to int).
  template <class T>
  T get(std::size_t i) const {
    if (i >= args.size())
      throw std::out_of_range("argument " + std::to_string(i) + " is missing (" +
                              std::to_string(args.size()) + " given)");
    return boost::json::value_to<T>(args[i]);
  }
  /// Same as get<T>(i).
  template <class T>
  T as(std::size_t i) const {
    return get<T>(i);
  }
  /// The same without exceptions: nullopt when missing or not convertible.
  template <class T>
  std::optional<T> try_get(std::size_t i) const {
    if (i >= args.size()) return std::nullopt;
    auto result = boost::json::try_value_to<T>(args[i]);
    if (!result) return std::nullopt;
    return std::move(*result);
  }
  /// The bytes of the binary argument at args[i], or null when it is not one.
  const std::string* binary_at(std::size_t i) const {
    return i < args.size() ? binary(args[i]) : nullptr;
  }

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
