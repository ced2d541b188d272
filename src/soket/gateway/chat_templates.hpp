#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace soket::gateway {

/// What the chat server says. `{name}` is replaced by a user name, `{max}` by the relevant limit.
/// The first four are the course server's exact wording; the rest answer bad input.
struct ChatTemplates {
  std::string prompt = "user?";
  std::string joined = "{name} Telah bergabung ke dalam chat !";
  std::string welcome = "Kamu telah terhubung !";
  std::string left = "{name} telah meninggalkan room chat !";
  std::string name_empty = "Nama user tidak boleh kosong";                        // empty name
  std::string name_too_long = "Nama user terlalu panjang (maksimal {max} byte)";  // name too long
  std::string name_invalid = "Nama user berisi karakter yang tidak valid";        // control chars
  std::string too_many_attempts = "Terlalu banyak percobaan nama user";  // then disconnected
  std::string line_too_long = "Pesan terlalu panjang (maksimal {max} byte)";
  std::string text_invalid = "Pesan berisi karakter yang tidak valid";
  std::string full = "Chat penuh, coba lagi nanti";  // refused: connection limit reached
  std::string too_fast = "Pesan terlalu cepat, tidak dikirim (maksimal {max} per detik)";  // rate
  std::string name_timeout = "Waktu habis: kirim nama user lebih cepat";  // then disconnected

  std::string joined_text(std::string_view name) const { return fill(joined, name, 0); }
  std::string left_text(std::string_view name) const { return fill(left, name, 0); }
  /// `tmpl` with every `{name}` replaced by `name` and every `{max}` by `max`.
  static std::string fill(std::string_view tmpl, std::string_view name, std::size_t max);
};

}  // namespace soket::gateway
