#include "soket/hub/device_registry.hpp"

#include <algorithm>

namespace soket::hub {

void DeviceRegistry::load(const std::vector<store::Device>& stored,
                          const std::vector<store::LatestValue>& latest) {
  for (const auto& d : stored) {
    auto& device = get_or_add(d.id);
    device.name = d.name.value_or("");
    device.group = d.group.value_or("");
    device.kind = d.kind.value_or("");
    device.transport = d.transport.value_or("");
    device.address = d.address.value_or("");
    device.first_seen = d.first_seen;
    device.last_seen = d.last_seen;
    device.online = false;  // nothing is connected yet
  }
  for (const auto& v : latest)
    if (auto* device = find(v.device_id)) device->latest[v.key] = v.value;
}

LiveDevice* DeviceRegistry::find(const std::string& id) {
  auto it = devices_.find(id);
  return it == devices_.end() ? nullptr : &it->second;
}

LiveDevice& DeviceRegistry::get_or_add(const std::string& id) {
  auto [it, added] = devices_.try_emplace(id);
  if (added) it->second.id = id;
  return it->second;
}

std::vector<std::string> DeviceRegistry::resolve(const std::string& target) const {
  std::vector<std::string> ids;
  if (target == "*") {
    // Every device that can take a command now: those connected over TCP (a UDP sender has no
    // connection to write to, so "*" would only leave its commands queued forever).
    for (const auto& [id, device] : devices_)
      if (device.online && (device.connection || (device.transport == "udp" && udp_commands_) ||
                            (device.remote && takes_commands(device))))
        ids.push_back(id);
  } else if (target.starts_with("group:")) {
    std::string group = target.substr(6);
    for (const auto& [id, device] : devices_)
      if (device.group == group && takes_commands(device)) ids.push_back(id);
  } else {
    ids.push_back(target);
  }
  return ids;
}

std::vector<std::string> DeviceRegistry::alley_lamps(const std::string& group,
                                                     const std::vector<std::string>& lamps,
                                                     const std::string& light_sensor) const {
  std::vector<std::string> ids;
  if (!group.empty()) {
    for (const auto& [id, device] : devices_)
      if (device.group == group && device.kind != "light" && id != light_sensor &&
          takes_commands(device))
        ids.push_back(id);
  }
  for (const auto& lamp : lamps)
    if (std::find(ids.begin(), ids.end(), lamp) == ids.end()) ids.push_back(lamp);
  return ids;
}

boost::json::object DeviceRegistry::to_json(const LiveDevice& d) const {
  boost::json::object latest;
  for (const auto& [key, value] : d.latest)
    latest[key] = value;
  boost::json::object out{{"id", d.id},
                          {"name", d.name.empty() ? d.id : d.name},
                          {"group", d.group},
                          {"kind", d.kind},
                          {"transport", d.transport},
                          {"address", d.address},
                          {"online", d.online},
                          {"commands", takes_commands(d)},
                          {"first_seen", d.first_seen},
                          {"last_seen", d.last_seen},
                          {"latest", std::move(latest)}};
  if (!d.node.empty()) out["node"] = d.node;
  return out;
}

boost::json::array DeviceRegistry::all_json() const {
  boost::json::array out;
  for (const auto& [id, device] : devices_)
    out.push_back(to_json(device));
  return out;
}

std::vector<const LiveDevice*> DeviceRegistry::by_recency() const {
  std::vector<const LiveDevice*> out;
  out.reserve(devices_.size());
  for (const auto& [id, device] : devices_)
    out.push_back(&device);
  std::stable_sort(out.begin(), out.end(), [](const LiveDevice* a, const LiveDevice* b) {
    if (a->online != b->online) return a->online;
    return a->last_seen > b->last_seen;  // equal: by id, the map's order
  });
  return out;
}

std::size_t DeviceRegistry::online_count() const {
  std::size_t n = 0;
  for (const auto& [id, device] : devices_)
    n += device.online;
  return n;
}

}  // namespace soket::hub
