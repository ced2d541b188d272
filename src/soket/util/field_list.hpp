#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace soket {

/// Name/value pairs in one allocation, in the order they were added (names may repeat). Meant for
/// data that lives as long as a connection, such as its handshake's headers and query, where a
/// map of strings would cost several allocations per pair.
class FieldList {
 public:
  /// A name and a value (views into the list's storage).
  using Field = std::pair<std::string_view, std::string_view>;

  /// Walks the fields in the order they were added.
  class iterator {
   public:
    /// Iterator traits.
    using iterator_category = std::forward_iterator_tag;
    /// Iterator traits.
    using value_type = Field;
    /// Iterator traits.
    using difference_type = std::ptrdiff_t;
    /// Iterator traits.
    using pointer = void;
    /// Iterator traits.
    using reference = Field;

    iterator() = default;
    /// The field here.
    Field operator*() const {
      std::string_view name = piece(pos_);
      std::string_view value = piece(pos_ + kLength + name.size());
      return {name, value};
    }
    /// The next field.
    iterator& operator++() {
      pos_ += 2 * kLength + (**this).first.size() + (**this).second.size();
      return *this;
    }
    /// The next field (postfix).
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    /// Same position.
    bool operator==(const iterator& other) const { return pos_ == other.pos_; }

   private:
    friend class FieldList;
    iterator(const char* data, std::size_t pos) : data_(data), pos_(pos) {}
    std::string_view piece(std::size_t at) const {
      uint32_t size;
      std::memcpy(&size, data_ + at, kLength);
      return {data_ + at + kLength, size};
    }

    const char* data_ = nullptr;
    std::size_t pos_ = 0;
  };

  FieldList() = default;
  /// A copy (one allocation of exactly the bytes in use).
  FieldList(const FieldList& other) { *this = other; }
  /// Takes the other list's storage; the other is left empty.
  FieldList(FieldList&& other) noexcept { *this = std::move(other); }
  /// Copies (one allocation of exactly the bytes in use).
  FieldList& operator=(const FieldList& other) {
    if (this == &other) return *this;
    data_.reset(other.bytes_ ? new char[other.bytes_] : nullptr);
    if (other.bytes_) std::memcpy(data_.get(), other.data_.get(), other.bytes_);
    bytes_ = capacity_ = other.bytes_;
    size_ = other.size_;
    return *this;
  }
  /// Takes the other list's storage; the other is left empty.
  FieldList& operator=(FieldList&& other) noexcept {
    data_ = std::move(other.data_);
    bytes_ = std::exchange(other.bytes_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  /// Appends a field (a name may repeat).
  void add(std::string_view name, std::string_view value) {
    append_piece(name);
    append_piece(value);
    ++size_;
  }

  /// The value of the first field called `name`.
  std::optional<std::string_view> get(std::string_view name) const {
    for (auto [n, v] : *this)
      if (n == name) return v;
    return std::nullopt;
  }
  /// Whether a field called `name` is there.
  bool contains(std::string_view name) const { return get(name).has_value(); }

  /// The first field.
  iterator begin() const { return {data_.get(), 0}; }
  /// Past the last field.
  iterator end() const { return {data_.get(), bytes_}; }
  /// How many fields.
  std::size_t size() const { return size_; }
  /// No field at all.
  bool empty() const { return size_ == 0; }

  /// Makes room for fields whose names and values add up to `text_bytes` in all, `fields` of them,
  /// so that adding them allocates once.
  void reserve(std::size_t fields, std::size_t text_bytes) {
    std::size_t needed = bytes_ + 2 * kLength * fields + text_bytes;
    if (needed > capacity_) reallocate(needed);
  }

  /// Gives back the spare capacity once the list is complete.
  void shrink_to_fit() {
    if (capacity_ > bytes_) reallocate(bytes_);
  }

 private:
  static constexpr std::size_t kLength = sizeof(uint32_t);

  void append_piece(std::string_view s) {
    auto size = static_cast<uint32_t>(s.size());
    std::size_t needed = bytes_ + kLength + s.size();
    if (needed > capacity_) reallocate(std::max(needed, std::size_t{capacity_} * 2));
    std::memcpy(data_.get() + bytes_, &size, kLength);
    if (!s.empty()) std::memcpy(data_.get() + bytes_ + kLength, s.data(), s.size());
    bytes_ = static_cast<uint32_t>(needed);
  }
  void reallocate(std::size_t capacity) {
    std::unique_ptr<char[]> bigger(capacity ? new char[capacity] : nullptr);
    if (bytes_) std::memcpy(bigger.get(), data_.get(), bytes_);
    data_ = std::move(bigger);
    capacity_ = static_cast<uint32_t>(capacity);
  }

  // For each field: name length, name, value length, value. 24 bytes in all (a std::string and a
  // count took 40): a connection keeps two of these for as long as it lives.
  std::unique_ptr<char[]> data_;
  uint32_t bytes_ = 0;
  uint32_t capacity_ = 0;
  uint32_t size_ = 0;
};

}  // namespace soket
