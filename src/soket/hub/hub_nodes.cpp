// Several hubs as one (docs/hub-cluster.md): presence of devices across nodes, commands routed to
// the node that holds the device, the TCP chat shared, and the rules acting on the leader only.
#include <boost/json/value_from.hpp>

#include <algorithm>

#include "soket/hub/hub.hpp"
#include "soket/store/json.hpp"
#include "soket/util/log.hpp"

namespace soket::hub {
namespace {

// How long an ack for a command on another node waits for that node to say it wrote it.
constexpr std::chrono::milliseconds remote_answer_timeout{1500};

std::string string_field(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// 0 when missing or not a whole number an int64 can hold (1e300 from a stranger on the channel
// must not reach a cast: out of range, that is undefined behaviour).
int64_t int_field(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_number()) return 0;
  boost::system::error_code ec;
  auto n = v->to_number<int64_t>(ec);
  return ec ? 0 : n;
}

}  // namespace

void Hub::start_cluster(const cluster::RedisUrl& url) {
  HubClusterOptions options;
  options.node = node_name();
  HubCluster::Handlers handlers;
  handlers.on_message = [this](const boost::json::object& m) { on_cluster_message(m); };
  handlers.on_leadership = [this](bool leader) { on_leadership(leader); };
  handlers.nodes_to_check = [this] {
    std::set<std::string> nodes;
    registry_.for_each([&](const LiveDevice& d) {
      if (d.online && d.remote && !d.node.empty()) nodes.insert(d.node);
    });
    return std::vector<std::string>(nodes.begin(), nodes.end());
  };
  handlers.on_node_dead = [this](const std::string& node) { on_node_dead(node); };
  handlers.on_link_up = [this] { on_hub_link_up(); };
  cluster_ = HubCluster::create(io_, url, options, std::move(handlers));
  cluster_->start();
}

void Hub::on_cluster_message(const boost::json::object& m) {
  if (stopped_) return;
  std::string type = string_field(m, "t");
  if (type == "device") return on_remote_device(m);
  if (type == "deliver") return on_deliver_request(m);
  if (type == "delivered") return on_delivered(m);
  if (type == "chat") {
    std::string line = string_field(m, "line");
    if (!line.empty() && chat_) chat_->deliver(line);
    return;
  }
  if (type == "lamps-off") return on_remote_lamps_off(int_field(m, "at"));
  if (type == "reading") {
    // Every node evaluates every watched reading (the rules keep their state everywhere, so a
    // new leader does not fire again what the old one fired); only the leader acts.
    std::string device = string_field(m, "device");
    const auto* values = m.if_contains("values");
    if (device.empty() || !values || !values->is_object() || !rules_.watches(device)) return;
    std::map<std::string, double> numbers;
    for (const auto& [key, v] : values->as_object())
      if (v.is_number()) numbers[std::string(key)] = v.to_number<double>();
    auto actions = rules_.on_reading(device, numbers);
    if (leads()) run_actions(actions);
    return;
  }
  spdlog::debug("hub cluster: message of unknown type '{}' from {}", type, string_field(m, "from"));
}

void Hub::on_leadership(bool leader) {
  if (!clock_started_) {
    // The time of day is first evaluated once this node knows whether it leads: at a cold start
    // of the cluster the leader switches what the time calls for, the others only take note.
    clock_started_ = true;
    std::time_t t = std::time(nullptr);
    std::tm local{};
    localtime_r(&t, &local);
    auto actions = rules_.on_clock(local.tm_hour * 60 + local.tm_min);
    if (leader) run_actions(actions);
  }
  // A new leader also checks, from its next tick on, the nodes that hold online devices.
}

void Hub::publish_device(const LiveDevice& d) {
  if (!cluster_) return;
  boost::json::object latest;
  for (const auto& [key, value] : d.latest)
    latest[key] = value;
  cluster_->publish(
      boost::json::object{{"t", "device"},
                          {"device", boost::json::object{{"id", d.id},
                                                         {"name", d.name},
                                                         {"group", d.group},
                                                         {"kind", d.kind},
                                                         {"transport", d.transport},
                                                         {"address", d.address},
                                                         {"online", d.online},
                                                         {"node", d.node},
                                                         {"first_seen", d.first_seen},
                                                         {"last_seen", d.last_seen},
                                                         {"latest", std::move(latest)}}}});
}

void Hub::on_remote_device(const boost::json::object& m) {
  const auto* value = m.if_contains("device");
  if (!value || !value->is_object()) return;
  const auto& o = value->as_object();
  std::string id = string_field(o, "id");
  std::string node = string_field(o, "node");
  if (id.empty()) return;
  const auto* online_value = o.if_contains("online");
  bool online = online_value && online_value->is_bool() && online_value->as_bool();
  LiveDevice& device = registry_.get_or_add(id);
  bool held_here = device.connection || (device.online && !device.remote);
  if (!online && held_here && device.connection && node == node_name()) {
    // Another node (the leader) took this node for dead, yet the device is still connected here.
    spdlog::info("device {}: announced offline by node {} but still connected here", id,
                 string_field(m, "from"));
    return reassert_presence(device);
  }
  // Older than what this node heard from the device itself: a message that was overtaken.
  if (held_here && int_field(o, "last_seen") < device.last_seen) return;
  if (online && node != node_name() && held_here) {
    // It came back on another node while this one still holds an old connection (half-open):
    // that connection is closed without marking the device offline (it is online there).
    if (auto old = std::exchange(device.connection, nullptr)) {
      connection_device_.erase(old->id());
      old->close();
    }
    device.awaiting_reply.clear();
    device.delivered.clear();
    spdlog::info("device {}: now on node {}", id, node);
  } else if (!online && (held_here || (device.remote && device.node != node && device.online))) {
    return;  // stale: it is here, or it moved on to a third node since
  }
  device.name = string_field(o, "name");
  device.group = string_field(o, "group");
  device.kind = string_field(o, "kind");
  device.transport = string_field(o, "transport");
  device.address = string_field(o, "address");
  device.online = online;
  device.node = node;
  device.remote = online && node != node_name();
  device.first_seen = int_field(o, "first_seen");
  device.last_seen = int_field(o, "last_seen");
  if (const auto* latest = o.if_contains("latest"); latest && latest->is_object()) {
    for (const auto& [key, v] : latest->as_object())
      if (v.is_number()) device.latest[std::string(key)] = v.to_number<double>();
  }
}

void Hub::on_node_dead(const std::string& node) {
  if (!nodes_going_offline_.insert(node).second) return;  // the next tick came before the commit
  spdlog::warn("hub cluster: node {} stopped beating; its devices go offline", node);
  // The other nodes hear of it once it is stored: a node that was only late and answers with its
  // devices online again (reassert_presence) is then stored after this, not overwritten by it.
  (void)store_->writer().submit(
      store::MarkAllOffline{.node = node}, on_io([this, node](const store::WriteResult&) {
        nodes_going_offline_.erase(node);
        registry_.for_each([&](LiveDevice& d) {
          if (!d.remote || d.node != node || !d.online) return;
          d.online = false;
          d.remote = false;
          emit_device(d);  // the dashboards of every node, and the other nodes' registries
        });
      }));
}

void Hub::reassert_presence(LiveDevice& device) {
  device.online = true;
  device.remote = false;
  device.node = node_name();
  (void)store_->writer().submit(
      store::UpsertDevice{
          .id = device.id, .ts = device.last_seen, .online = true, .node = store_node()},
      on_io([this, id = device.id](const store::WriteResult&) {
        LiveDevice* d = registry_.find(id);
        if (!d || !d->connection) return;
        emit_device(*d);
        // Commands queued for it while the others took it for offline were never asked of this
        // node: written now (the store's claim keeps each written once).
        deliver_pending(*d);
      }));
}

void Hub::on_hub_link_up() {
  if (stopped_) return;
  // What crossed pub/sub while the link was down is lost: presence both ways, and the "deliver"
  // requests for commands queued meanwhile.
  registry_.for_each([&](LiveDevice& d) {
    if (!d.online || d.remote) return;
    if (d.connection) {
      // Stored again too: another node may have found this one dead and marked its devices
      // offline meanwhile.
      reassert_presence(d);
    } else {
      publish_device(d);
    }
  });
  refresh_remote_devices(store_->reader().devices());
  std::vector<std::string> held_elsewhere;
  registry_.for_each([&](const LiveDevice& d) {
    if (d.online && d.remote) held_elsewhere.push_back(d.id);
  });
  // Commands this node queued for the others' devices: asked again (the store's claim keeps
  // each written once).
  for (const auto& id : held_elsewhere) {
    const LiveDevice* d = registry_.find(id);
    if (!d || !d->remote || !d->online) continue;
    for (const auto& command : store_->reader().pending_commands(id, false, 1000)) {
      if (command.state != store::CommandState::queued) continue;
      if (remote_waits_.contains(command.id)) {
        publish_deliver(command, false);  // an ack still waits for it: that wait gets the answer
      } else {
        deliver_remote(command, false, [](boost::json::value) {});
      }
    }
  }
}

void Hub::refresh_remote_devices(const std::vector<store::Device>& stored_devices) {
  for (const auto& stored : stored_devices) {
    if (!stored.node || stored.node->empty() || *stored.node == node_name()) continue;
    LiveDevice& d = registry_.get_or_add(stored.id);
    if (d.connection) continue;  // connected here: this node knows best
    bool online = stored.online;
    if (!online && !d.online) continue;  // offline here already
    if (online && d.online && d.remote && d.node == *stored.node) continue;
    d.name = stored.name.value_or(d.name);
    d.group = stored.group.value_or(d.group);
    d.kind = stored.kind.value_or(d.kind);
    d.transport = stored.transport.value_or(d.transport);
    d.address = stored.address.value_or(d.address);
    d.first_seen = stored.first_seen;
    d.last_seen = std::max(d.last_seen, stored.last_seen);
    d.online = online;
    d.remote = online;
    d.node = *stored.node;
    if (dashboard_) dashboard_->emit("device", registry_.to_json(d));
  }
}

void Hub::relay_chat_line(std::string_view line) {
  if (cluster_) cluster_->publish(boost::json::object{{"t", "chat"}, {"line", line}});
}

void Hub::claim_and_write(const std::string& device_id, const store::Command& command, bool resend,
                          Written done) {
  LiveDevice* device = registry_.find(device_id);
  if (!device) return done(command, false);
  if (auto it = device->delivered.find(command.id); it != device->delivered.end()) {
    store::Command sent = command;  // claimed or written on this connection already
    sent.state = store::CommandState::sent;
    sent.sent_at = it->second;
    return done(sent, false);
  }
  int64_t now = store::now_ms();
  device->delivered.emplace(command.id, now);  // no second claim from this node meanwhile
  auto submitted = store_->writer().submit(
      store::MarkCommandSent{.id = command.id, .ts = now, .resend = resend},
      on_io([this, device_id, command, now, resend, done](const store::WriteResult& r) {
        LiveDevice* device = registry_.find(device_id);
        if (!r.ok()) {
          // Another node claimed it first (or it is no longer queued): it is not ours to write.
          if (device) device->delivered.erase(command.id);
          auto stored = store_->reader().command(command.id);
          return done(stored ? *stored : command, false);
        }
        store::Command sent = command;
        sent.state = store::CommandState::sent;
        sent.sent_at = now;
        if (device && can_receive_now(*device) && !device->remote) {
          bool written =
              device->command_ids
                  ? write_line_to(*device, command.command + " #" + std::to_string(command.id))
                  : write_line_to(*device, command.command);
          if (written) {
            device->awaiting_reply.push_back(command.id);
            emit_command_status(sent);
            return done(sent, true);
          }
        }
        // Claimed, but the connection went meanwhile. If the device is on another node now,
        // that node writes it (sent -> sent); else it is written again when it comes back.
        emit_command_status(sent);
        if (device && device->remote && cluster_) {
          deliver_remote(sent, true, [](boost::json::value) {});
        } else {
          spdlog::info("device {}: command #{} claimed but its connection ended first{}", device_id,
                       command.id, resend ? " (again)" : "");
        }
        done(sent, false);
      }));
  if (submitted != store::SubmitResult::accepted) {
    device->delivered.erase(command.id);
    done(command, false);
  }
}

void Hub::deliver_remote(const store::Command& command, bool resend,
                         std::function<void(boost::json::value)> done) {
  int64_t id = command.id;
  auto timer = std::make_shared<net::asio::steady_timer>(io_, remote_answer_timeout);
  remote_waits_[id] = RemoteWait{std::move(done), timer};
  timer->async_wait([this, alive = alive_, id](net::error_code ec) {
    if (ec || !*alive) return;
    auto it = remote_waits_.find(id);
    if (it == remote_waits_.end()) return;
    auto wait = std::move(it->second);
    remote_waits_.erase(it);
    // Nobody answered (the node died, or Redis is away): the ack tells what is stored now; a
    // queued command is written when the device comes back to any node.
    auto stored = store_->reader().command(id);
    wait.done(stored ? boost::json::value_from(*stored)
                     : boost::json::value(boost::json::object{{"id", id}, {"error", "unknown"}}));
  });
  publish_deliver(command, resend);
}

void Hub::publish_deliver(const store::Command& command, bool resend) {
  cluster_->publish(boost::json::object{
      {"t", "deliver"},
      {"commands", boost::json::array{boost::json::object{
                       {"device", command.device_id}, {"id", command.id}, {"resend", resend}}}}});
}

void Hub::on_deliver_request(const boost::json::object& m) {
  std::string from = string_field(m, "from");
  const auto* commands = m.if_contains("commands");
  if (!commands || !commands->is_array()) return;
  for (const auto& entry : commands->as_array()) {
    if (!entry.is_object()) continue;
    const auto& e = entry.as_object();
    std::string device_id = string_field(e, "device");
    int64_t id = int_field(e, "id");
    const auto* resend_value = e.if_contains("resend");
    bool resend = resend_value && resend_value->is_bool() && resend_value->as_bool();
    LiveDevice* device = registry_.find(device_id);
    if (!device || device->remote || !can_receive_now(*device)) continue;  // not here
    auto stored = store_->reader().command(id);
    if (!stored || stored->device_id != device_id) continue;
    bool writable = stored->state == store::CommandState::queued ||
                    (resend && stored->state == store::CommandState::sent);
    if (!writable) continue;
    claim_and_write(
        device_id, *stored, resend,
        [this, from](const store::Command& now_state, bool written_here) {
          if (!written_here || !cluster_) return;
          cluster_->publish(boost::json::object{
              {"t", "delivered"}, {"to", from}, {"command", boost::json::value_from(now_state)}});
        });
  }
}

void Hub::on_delivered(const boost::json::object& m) {
  if (string_field(m, "to") != node_name()) return;
  const auto* command = m.if_contains("command");
  if (!command || !command->is_object()) return;
  auto it = remote_waits_.find(int_field(command->as_object(), "id"));
  if (it == remote_waits_.end()) return;  // answered already, or timed out
  auto wait = std::move(it->second);
  remote_waits_.erase(it);
  wait.timer->cancel();
  wait.done(*command);
}

}  // namespace soket::hub
