#pragma once

#include <string_view>

#include "soket/util/bytes.hpp"

namespace soket::engineio {

/// One outgoing Engine.IO packet, ready to be written by any transport.
///
/// A text frame holds the whole Engine.IO packet, type character included ("4hello", "2", "6").
/// A binary frame holds the raw bytes of a binary message packet (its type is implied).
/// The bytes are shared, so one encoded broadcast is queued to many sockets without copies.
/// `compress` false keeps the packet out of permessage-deflate and HTTP compression (Node's
/// per-packet `compress` option).
struct Frame {
  SharedBytes bytes;     ///< the frame's bytes, shared
  bool binary = false;   ///< a binary frame (else text)
  bool compress = true;  ///< false: never compressed

  /// A text frame holding the whole packet `packet`, type character included.
  static Frame text(std::string_view packet) { return {make_shared_bytes(packet), false}; }
  static Frame message(std::string_view data);  ///< "4" + data
  /// A binary message frame of `data` (its bytes copied once, then shared).
  static Frame binary_message(std::string_view data) { return {make_shared_bytes(data), true}; }
};

inline Frame Frame::message(std::string_view data) {
  std::string s;
  s.reserve(data.size() + 1);
  s += '4';
  s += data;
  return {make_shared_bytes(std::move(s)), false};
}

}  // namespace soket::engineio
