#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace soket {

/// A short name (an event's, say) in one pointer. A program uses few distinct names and every
/// connection repeats them ("message", "disconnect"...), so the first kMaxShared distinct names of
/// up to kMaxSharedSize bytes are kept once, for the life of the process, and shared by every
/// InternedName that holds them. A name past those limits (names made up at run time, without end)
/// is this object's own copy, freed with it. Thread-safe: the shared table is behind a mutex, taken
/// only when a name is made.
class InternedName {
 public:
  /// How many distinct names the shared table keeps at most.
  static constexpr std::size_t kMaxShared = 4096;
  /// The longest name the shared table keeps, in bytes.
  static constexpr std::size_t kMaxSharedSize = 128;

  /// `name`, shared when the table has it or has room for it, else an own copy.
  explicit InternedName(std::string_view name);
  /// The same name (a shared one is shared, an own copy is copied).
  InternedName(const InternedName& other);
  /// Takes the name over; `other` is left empty.
  InternedName(InternedName&& other) noexcept : bits_(other.bits_) { other.bits_ = 0; }
  /// Holds the same name as `other`.
  InternedName& operator=(const InternedName& other) {
    if (this != &other) *this = InternedName(other);
    return *this;
  }
  /// Takes the name over; `other` is left empty.
  InternedName& operator=(InternedName&& other) noexcept {
    if (this != &other) {
      release();
      bits_ = other.bits_;
      other.bits_ = 0;
    }
    return *this;
  }
  /// Frees an own copy (a shared name stays in the table).
  ~InternedName() { release(); }

  /// The name's bytes (empty after a move).
  std::string_view view() const {
    if (bits_ == 0) return {};
    const char* record = reinterpret_cast<const char*>(bits_ & ~kOwned);
    uint32_t size;
    std::memcpy(&size, record, sizeof size);
    return {record + sizeof size, size};
  }
  /// Whether the name is in the shared table (not a copy of its own).
  bool shared() const { return bits_ != 0 && (bits_ & kOwned) == 0; }

  /// Whether the name is `b`.
  friend bool operator==(const InternedName& a, std::string_view b) { return a.view() == b; }

 private:
  // A record is the size (4 bytes) and then the bytes; the low bit of bits_ marks an owned one.
  static constexpr std::uintptr_t kOwned = 1;
  void release() noexcept;

  std::uintptr_t bits_ = 0;  // 0 only after a move
};

}  // namespace soket
