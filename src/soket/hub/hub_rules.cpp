// The rules' held state: a lamp that (re)connects gets its alley's state, a manual "All off" is an
// override with an end, and the dashboard sees both ("village-state").
#include <algorithm>
#include <chrono>

#include "soket/hub/hub.hpp"
#include "soket/util/log.hpp"

namespace soket::hub {

void Hub::hold_lamp_state(const LiveDevice& device) {
  auto actions = rules_.on_lamp_online(device.id, device.group);
  if (actions.empty()) return;
  // What is already on its way to the lamp (queued while it was away, or written again by
  // deliver_pending) needs no repeat when its last switch is the state the rule holds.
  auto pending = store_->reader().pending_commands(device.id, true, 1000);
  for (const auto& action : actions) {
    const AlleyRule* alley = nullptr;
    for (const auto& a : config_.alleys)
      if ("alley:" + a.name == action.rule) alley = &a;
    auto last_switch = std::find_if(pending.rbegin(), pending.rend(), [&](const store::Command& c) {
      return alley && (c.command == alley->on_command || c.command == alley->off_command);
    });
    if (last_switch != pending.rend() && last_switch->command == action.command) continue;
    spdlog::info("rule {}: {} came online, sending the alley's state: {}", action.rule, device.id,
                 action.command);
    send_command(device.id, action.command, store::CommandSource::rule, [](boost::json::object) {});
  }
}

void Hub::manual_lamps_off(CommandDone done) {
  int64_t now = store::now_ms();
  auto actions = rules_.manual_lamps_off(now);
  // Every node holds the override too (on_cluster_message): the leader, whichever it is, keeps the
  // lamps off until it ends; the lamps themselves are switched from here.
  if (cluster_) cluster_->publish(boost::json::object{{"t", "lamps-off"}, {"at", now}});
  std::size_t lamps = 0;
  for (const auto& action : actions)
    if (action.alley)
      for (const auto& id : registry_.alley_lamps(action.alley->group, action.alley->lamps,
                                                  action.alley->light_sensor))
        lamps += registry_.find(id) ? 1 : 0;
  run_actions(actions);
  arm_override_timer();
  emit_village_state();
  done(boost::json::object{{"ok", true}, {"lamps", lamps}, {"alleys", alleys_json()}});
}

void Hub::arm_override_timer() {
  auto next = rules_.next_override_end();
  if (!next) return;
  auto wait = std::chrono::milliseconds(std::max<int64_t>(0, *next - store::now_ms()));
  override_timer_.expires_after(wait);
  override_timer_.async_wait([this, alive = alive_](net::error_code ec) {
    if (ec || !*alive || stopped_) return;
    auto actions = rules_.on_tick(store::now_ms());
    if (!actions.empty()) {
      if (leads()) run_actions(actions);  // every node of a cluster holds the override
      emit_village_state();
    }
    arm_override_timer();
  });
}

boost::json::array Hub::alleys_json() const {
  boost::json::array out;
  for (const auto& a : rules_.alleys()) {
    boost::json::object alley{{"name", a.name}, {"overridden", a.overridden}};
    alley["lamps_on"] = a.lamps_on ? boost::json::value(*a.lamps_on) : boost::json::value(nullptr);
    alley["override_until"] =
        a.override_until ? boost::json::value(*a.override_until) : boost::json::value(nullptr);
    out.push_back(std::move(alley));
  }
  return out;
}

void Hub::emit_village_state() {
  if (!dashboard_ || dashboard_->sockets().empty()) return;
  dashboard_->to("telemetry").emit("village-state", boost::json::object{{"alleys", alleys_json()}});
}

void Hub::on_remote_lamps_off(int64_t at) {
  // The node that was asked switched the lamps; here the rules only learn of the override. A
  // time off by more than a minute (garbage on the channel, a clock far off) is taken as now: the
  // override's end is computed from it.
  constexpr int64_t max_skew_ms = 60'000;
  int64_t now = store::now_ms();
  if (at < now - max_skew_ms || at > now + max_skew_ms) at = now;
  (void)rules_.manual_lamps_off(at);
  arm_override_timer();
  emit_village_state();
}

}  // namespace soket::hub
