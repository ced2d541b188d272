#include "soket/admin/event_buffer.hpp"

#include <boost/json/object.hpp>

namespace soket::admin {

void EventBuffer::push(int64_t now_ms, std::string type, std::string sub_type, int64_t count) {
  int64_t second = now_ms - now_ms % 1000;
  counts_[{second, std::move(type), std::move(sub_type)}] += count;
}

boost::json::array EventBuffer::take() {
  boost::json::array values;
  values.reserve(counts_.size());
  for (const auto& [key, count] : counts_) {
    const auto& [timestamp, type, sub_type] = key;
    boost::json::object value;
    value["timestamp"] = timestamp;
    value["type"] = type;
    if (!sub_type.empty()) value["subType"] = sub_type;
    value["count"] = count;
    values.push_back(std::move(value));
  }
  counts_.clear();
  return values;
}

}  // namespace soket::admin
