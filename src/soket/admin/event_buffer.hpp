#pragma once

#include <boost/json/array.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

namespace soket::admin {

/// Counts events per second and type (Node admin's EventBuffer): what server_stats reports as
/// aggregatedEvents, [{timestamp, type, subType?, count}].
class EventBuffer {
 public:
  /// Counts `count` events of `type` (and `sub_type`, when not empty) at `now_ms`.
  void push(int64_t now_ms, std::string type, std::string sub_type = {}, int64_t count = 1);
  /// What was counted since the last call, oldest first.
  boost::json::array take();
  /// Whether nothing was counted since the last take().
  bool empty() const { return counts_.empty(); }

 private:
  std::map<std::tuple<int64_t, std::string, std::string>, int64_t> counts_;
};

}  // namespace soket::admin
