#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "soket/util/bytes.hpp"

// MessagePack, byte-compatible with npm notepack.io 3.x: what @socket.io/redis-adapter and
// socket.io-msgpack-parser put on the wire. Values are JSON plus binaries, the way soket's
// Socket.IO messages hold them.
namespace soket::msgpack {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Bounds decode() enforces, against hostile input.
struct Limits {
  std::size_t max_depth = 32;           ///< nesting of arrays/maps
  std::size_t max_attachments = 1000;   ///< bin/ext values
  std::size_t max_elements = 1u << 20;  ///< total array+map entries
};

/// A msgpack document as JSON plus binaries: every bin (and notepack's ArrayBuffer ext, type 0)
/// becomes a placeholder {"_placeholder":true,"num":i} and its bytes attachments[i].
struct Document {
  boost::json::value value;              ///< the document, binaries as placeholders
  std::vector<SharedBytes> attachments;  ///< the bytes of each placeholder, by number
};

/// Decodes exactly one value filling all of `bytes`, the way notepack's decode reads it:
/// - integers: int64 when they fit, uint64 above INT64_MAX (exact, where JS would round);
/// - float 32 and float 64: double (kept as double even when integral, NaN and infinities too);
/// - str: string; ill-formed UTF-8 is replaced by U+FFFD like Buffer#toString does;
/// - bin, and ext 8/16/32 of type 0 (notepack's old ArrayBuffer form): a placeholder;
/// - fixext 1 of type 0 (notepack's `undefined`): null;
/// - timestamps (ext -1: 32, 64 and 96 bit) and notepack's old date (fixext 8 of type 0): the
///   string JSON.stringify gives for that Date ("2023-11-14T22:13:20.123Z"), null when invalid;
/// - any other ext: [type, placeholder], as notepack's [type, Buffer];
/// - map keys: strings, and integers as their decimal text (JS property keys); keys of any other
///   type are an error (notepack would turn them into "null", "1.5", "[object Object]"...).
///   A repeated key keeps its first place and its last value, as in a JS object.
/// Throws Error on truncated input, trailing bytes, the reserved type 0xc1, a timestamp 96 that is
/// not 12 bytes long, a wrong-typed map key or a limit exceeded. Declared lengths are checked
/// against the bytes left before anything is allocated.
Document decode(std::string_view bytes, const Limits& limits = {});

/// Encodes `value` as notepack would encode the equivalent JS value: placeholders whose num is a
/// valid index into `attachments` become bin 8/16/32; integral doubles within ±2^53 encode as
/// integers (JS has one number type; -0 as 0), other doubles as float 64; int64/uint64 as the
/// smallest int/uint form; strings as fixstr/str 8/16/32; arrays and objects as arrays and maps.
/// Appends to `out`. Throws Error for a string, array, map or binary above 2^32 - 1.
void encode(const boost::json::value& value, std::span<const SharedBytes> attachments,
            std::string& out);
/// encode() into a new string.
std::string encode(const boost::json::value& value, std::span<const SharedBytes> attachments = {});

}  // namespace soket::msgpack
