#pragma once

#include <cstdint>
#include <cstring>
#include <iterator>
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
    iterator(const std::string* data, std::size_t pos) : data_(data), pos_(pos) {}
    std::string_view piece(std::size_t at) const {
      uint32_t size;
      std::memcpy(&size, data_->data() + at, kLength);
      return std::string_view(*data_).substr(at + kLength, size);
    }

    const std::string* data_ = nullptr;
    std::size_t pos_ = 0;
  };

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
  iterator begin() const { return {&data_, 0}; }
  /// Past the last field.
  iterator end() const { return {&data_, data_.size()}; }
  /// How many fields.
  std::size_t size() const { return size_; }
  /// No field at all.
  bool empty() const { return size_ == 0; }

  /// Gives back the spare capacity once the list is complete.
  void shrink_to_fit() { data_.shrink_to_fit(); }

 private:
  static constexpr std::size_t kLength = sizeof(uint32_t);

  void append_piece(std::string_view s) {
    auto size = static_cast<uint32_t>(s.size());
    data_.append(reinterpret_cast<const char*>(&size), kLength);
    data_.append(s);
  }

  std::string data_;  // for each field: name length, name, value length, value
  std::size_t size_ = 0;
};

}  // namespace soket
