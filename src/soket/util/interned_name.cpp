#include "soket/util/interned_name.hpp"

#include <limits>
#include <mutex>
#include <new>
#include <stdexcept>
#include <unordered_map>

namespace soket {

namespace {

char* make_record(std::string_view name) {
  if (name.size() > std::numeric_limits<uint32_t>::max())
    throw std::length_error("InternedName: a name of 4 GiB or more");
  auto size = static_cast<uint32_t>(name.size());
  char* record = new char[sizeof size + name.size()];
  std::memcpy(record, &size, sizeof size);
  if (!name.empty()) std::memcpy(record + sizeof size, name.data(), name.size());
  return record;
}

struct SharedNames {
  std::mutex mutex;
  std::unordered_map<std::string_view, const char*> records;  // keys view into the records
};

// Made once and never destroyed: names may be released by objects that outlive static destructors.
SharedNames& shared_names() {
  static auto* names = new SharedNames;
  return *names;
}

}  // namespace

InternedName::InternedName(std::string_view name) {
  if (name.size() <= kMaxSharedSize) {
    auto& names = shared_names();
    std::lock_guard lock(names.mutex);
    if (auto it = names.records.find(name); it != names.records.end()) {
      bits_ = reinterpret_cast<std::uintptr_t>(it->second);
      return;
    }
    if (names.records.size() < kMaxShared) {
      const char* record = make_record(name);
      names.records.emplace(std::string_view(record + sizeof(uint32_t), name.size()), record);
      bits_ = reinterpret_cast<std::uintptr_t>(record);
      return;
    }
  }
  bits_ = reinterpret_cast<std::uintptr_t>(make_record(name)) | kOwned;
}

InternedName::InternedName(const InternedName& other) : bits_(other.bits_) {
  if (bits_ & kOwned) bits_ = reinterpret_cast<std::uintptr_t>(make_record(other.view())) | kOwned;
}

void InternedName::release() noexcept {
  if (bits_ & kOwned) delete[] reinterpret_cast<char*>(bits_ & ~kOwned);
  bits_ = 0;
}

}  // namespace soket
