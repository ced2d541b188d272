#include "soket/store/reader.hpp"

#include <limits>
#include <stdexcept>

namespace soket::store {
namespace {

void check_limit(std::int64_t limit, std::int64_t max, const char* what) {
  if (limit < 1 || limit > max)
    throw std::invalid_argument(std::string(what) + " must be between 1 and " +
                                std::to_string(max));
}

void check_range(std::int64_t from, std::int64_t to) {
  if (from > to) throw std::invalid_argument("from must not be after to");
}

}  // namespace

Reader::Reader(const StoreOptions& options) : backend_(open_reader_backend(options)) {}

Reader::~Reader() = default;

std::vector<Device> Reader::devices() {
  std::lock_guard lock(mutex_);
  return backend_->devices();
}

std::vector<LatestValue> Reader::latest_values() {
  std::lock_guard lock(mutex_);
  return backend_->latest_values();
}

std::optional<Device> Reader::device(const std::string& id) {
  std::lock_guard lock(mutex_);
  return backend_->device(id);
}

std::vector<Reading> Reader::readings(const std::string& device_id, std::int64_t from,
                                      std::int64_t to, std::int64_t limit, Order order) {
  check_range(from, to);
  check_limit(limit, kMaxRows, "limit");
  std::lock_guard lock(mutex_);
  return backend_->readings(device_id, from, to, limit, order == Order::newest_first);
}

std::vector<ReadingBucket> Reader::readings_downsampled(const std::string& device_id,
                                                        std::int64_t from, std::int64_t to,
                                                        std::int64_t max_points) {
  check_range(from, to);
  check_limit(max_points, kMaxPoints, "max_points");
  std::lock_guard lock(mutex_);
  auto span = backend_->numeric_span(device_id, from, to);
  if (!span) return {};
  auto [first, last] = *span;
  // Width such that (last - first) / width < max_points; computed unsigned, as the span of two
  // int64 values may not fit an int64.
  std::uint64_t distance = static_cast<std::uint64_t>(last) - static_cast<std::uint64_t>(first);
  std::uint64_t width = distance / static_cast<std::uint64_t>(max_points) + 1;
  constexpr auto kMaxWidth = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (width > kMaxWidth) width = kMaxWidth;
  return backend_->buckets(device_id, first, last, static_cast<std::int64_t>(width));
}

std::vector<TextMessage> Reader::text_messages(const std::string& device_id, std::int64_t limit) {
  check_limit(limit, kMaxRows, "limit");
  std::lock_guard lock(mutex_);
  return backend_->text_messages(device_id, limit);
}

std::vector<Command> Reader::pending_commands(const std::string& device_id, bool include_sent,
                                              std::int64_t limit) {
  check_limit(limit, kMaxRows, "limit");
  std::lock_guard lock(mutex_);
  return backend_->pending_commands(device_id, include_sent, limit);
}

std::optional<Command> Reader::command(std::int64_t id) {
  std::lock_guard lock(mutex_);
  return backend_->command(id);
}

std::vector<ChatMessage> Reader::recent_chat(std::int64_t limit) {
  check_limit(limit, kMaxRows, "limit");
  std::lock_guard lock(mutex_);
  return backend_->recent_chat(limit);
}

std::vector<Alert> Reader::recent_alerts(std::int64_t limit) {
  check_limit(limit, kMaxRows, "limit");
  std::lock_guard lock(mutex_);
  return backend_->recent_alerts(limit);
}

std::int64_t Reader::alert_count(std::int64_t since) {
  std::lock_guard lock(mutex_);
  return backend_->alert_count(since);
}

}  // namespace soket::store
