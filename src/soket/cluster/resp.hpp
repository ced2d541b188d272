#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// RESP (the Redis protocol, version 2) on hiredis's reader and command formatter.
namespace soket::cluster {

/// One RESP reply, arrays nested.
struct RedisReply {
  /// The RESP type of the reply.
  ///
  /// `string`: a bulk string, in `str`; `array`: an array, in `elements`; `integer`: an integer, in
  /// `integer`; `nil`: the null bulk string or array; `status`: a simple string ("OK", "PONG"), in
  /// `str`; `error`: an error reply ("ERR ...", "WRONGTYPE ..."), in `str`.
  enum class Type { string, array, integer, nil, status, error };
  Type type = Type::nil;             ///< which of the fields below holds the value
  std::string str;                   ///< string, status, error
  long long integer = 0;             ///< the value of an integer reply
  std::vector<RedisReply> elements;  ///< array
};

/// Formats one command (RESP array of bulk strings).
std::string format_command(std::span<const std::string_view> args);

/// Incremental RESP reader (hiredis's), with a cap on buffered bytes: the bytes of the reply being
/// read plus those not read yet may not exceed `max_buffer`. After an error the reader stays
/// broken (the connection must be dropped).
class RespReader {
 public:
  /// A reader that refuses to buffer more than `max_buffer` bytes (512 MiB by default).
  explicit RespReader(std::size_t max_buffer = 512u << 20);
  ~RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;

  /// Throws std::runtime_error on protocol error / over the cap.
  void feed(std::string_view bytes);
  /// A complete reply, or nullopt when more bytes are needed; throws on protocol error.
  std::optional<RedisReply> next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soket::cluster
