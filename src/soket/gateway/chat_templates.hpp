#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace soket::gateway {

/// What the chat server says. `{name}` is replaced by a user name, `{max}` by the relevant limit.
/// The first four are the course server's exact wording; the rest answer bad input.
struct ChatTemplates {
  /// Sent on connection, asking for a user name (no line ending in the course).
  std::string prompt = "user?";
  /// Sent to every user, the newcomer included, when a user joins.
  std::string joined = "{name} Telah bergabung ke dalam chat !";
  /// Sent to the newcomer after `joined`.
  std::string welcome = "Kamu telah terhubung !";
  /// Sent to the others when a user leaves or drops.
  std::string left = "{name} telah meninggalkan room chat !";
  /// The name given was empty.
  std::string name_empty = "Nama user tidak boleh kosong";
  /// The name given is longer than `{max}` bytes.
  std::string name_too_long = "Nama user terlalu panjang (maksimal {max} byte)";
  /// The name given holds control characters or invalid UTF-8.
  std::string name_invalid = "Nama user berisi karakter yang tidak valid";
  /// Too many invalid names: the connection is then closed.
  std::string too_many_attempts = "Terlalu banyak percobaan nama user";
  /// A message longer than `{max}` bytes was not relayed.
  std::string line_too_long = "Pesan terlalu panjang (maksimal {max} byte)";
  /// A message with control characters or invalid UTF-8 was not relayed.
  std::string text_invalid = "Pesan berisi karakter yang tidak valid";
  /// Refused: a connection limit is reached (the connection is then closed).
  std::string full = "Chat penuh, coba lagi nanti";
  /// A message over the rate limit (`{max}` per second) was not relayed.
  std::string too_fast = "Pesan terlalu cepat, tidak dikirim (maksimal {max} per detik)";
  /// No user name in time: the connection is then closed.
  std::string name_timeout = "Waktu habis: kirim nama user lebih cepat";

  /// `joined` for the user `name`.
  std::string joined_text(std::string_view name) const { return fill(joined, name, 0); }
  /// `left` for the user `name`.
  std::string left_text(std::string_view name) const { return fill(left, name, 0); }
  /// `tmpl` with every `{name}` replaced by `name` and every `{max}` by `max`.
  static std::string fill(std::string_view tmpl, std::string_view name, std::size_t max);
};

}  // namespace soket::gateway
