// Devices: identification, readings and texts into the store (OK after commit), commands out
// (queued while the device is away), replies to commands, and the rules run on every reading.
#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>

#include "soket/hub/hub.hpp"
#include "soket/store/json.hpp"
#include "soket/util/log.hpp"

namespace soket::hub {
namespace {

std::string endpoint_string(const net::udp::endpoint& e) {
  return e.address().to_string() + ":" + std::to_string(e.port());
}

std::string store_error(const store::WriteResult& result) {
  return result.status == store::WriteStatus::rejected ? "ERR " + result.error
                                                       : "ERR storage failed, try again";
}

}  // namespace

void Hub::post(std::function<void()> fn) {
  net::asio::post(io_, std::move(fn));
}

bool Hub::check_device_token(const std::string& id, const std::string& token) const {
  if (config_.device_tokens.empty()) return true;
  auto it = config_.device_tokens.find(id);
  if (it == config_.device_tokens.end()) it = config_.device_tokens.find("*");
  return it != config_.device_tokens.end() && it->second == token;
}

void Hub::on_device_message(const gateway::DeviceConnectionPtr& conn,
                            const gateway::DeviceMessage& m) {
  ++counters_.tcp_in;
  Reply reply = [this, conn](std::string_view line) {
    if (conn->send_line(line)) ++counters_.tcp_out;
  };
  auto known = connection_device_.find(conn->id());
  if (m.kind == gateway::DeviceMessageKind::hello) {
    if (known != connection_device_.end() && known->second != m.device_id &&
        !known->second.starts_with("tcp-")) {
      return reply("ERR already identified as " + known->second);
    }
    if (!check_device_token(m.device_id, m.token)) {
      ++counters_.errors;
      spdlog::warn("device {} from {}: bad or missing token", m.device_id, conn->remote_string());
      reply("ERR unauthorized: bad or missing token for " + m.device_id);
      return conn->close();
    }
    if (known != connection_device_.end() && known->second != m.device_id) {
      // The connection was known by its address until now: that name goes offline.
      if (LiveDevice* anonymous = registry_.find(known->second);
          anonymous && anonymous->connection == conn) {
        anonymous->connection.reset();
        anonymous->online = false;
        (void)store_->writer().submit(
            store::UpsertDevice{.id = anonymous->id, .ts = anonymous->last_seen, .online = false});
        emit_device(*anonymous);
      }
    }
    connection_device_[conn->id()] = m.device_id;
    return identify(m.device_id, m, "tcp", conn->remote_string(), conn, reply);
  }
  if (known == connection_device_.end()) {
    if (!config_.device_tokens.empty()) {
      ++counters_.errors;
      return reply("ERR unauthorized: send HELLO <device-id> <token> first");
    }
    identify_anonymous(conn);
    known = connection_device_.find(conn->id());
  }
  handle_payload(known->second, m, reply);
}

void Hub::identify_anonymous(const gateway::DeviceConnectionPtr& conn) {
  // No HELLO: the device is known by its address, as in the course's first exercises.
  std::string id =
      "tcp-" + conn->remote().address().to_string() + "-" + std::to_string(conn->remote().port());
  connection_device_[conn->id()] = id;
  gateway::DeviceMessage anonymous;
  anonymous.kind = gateway::DeviceMessageKind::hello;
  identify(id, anonymous, "tcp", conn->remote_string(), conn, {});
}

void Hub::identify(const std::string& id, const gateway::DeviceMessage& hello,
                   std::string transport, std::string address,
                   const gateway::DeviceConnectionPtr& conn, Reply reply) {
  auto& device = registry_.get_or_add(id);
  if (conn && device.connection && device.connection != conn) {
    // The device came back on a new connection while the old one looks alive (half-open).
    auto old = std::exchange(device.connection, nullptr);
    connection_device_.erase(old->id());
    old->close();
  }
  int64_t now = store::now_ms();
  auto attribute = [&](const char* key) -> std::optional<std::string> {
    if (auto it = hello.fields.find(key); it != hello.fields.end() && it->value().is_string())
      return std::string(it->value().as_string());
    return std::nullopt;
  };
  auto group = attribute("group");
  if (!group) {
    if (auto it = config_.device_groups.find(id); it != config_.device_groups.end())
      group = it->second;
  }
  if (group) device.group = *group;
  if (auto kind = attribute("kind")) device.kind = *kind;
  if (auto name = attribute("name")) device.name = *name;
  device.transport = transport;
  device.address = address;
  device.online = true;
  device.last_seen = now;
  if (!device.first_seen) device.first_seen = now;
  if (conn) {
    device.connection = conn;
    device.delivered.clear();
    device.awaiting_reply.clear();
  }
  store::UpsertDevice op{.id = id,
                         .ts = now,
                         .online = true,
                         .name = attribute("name"),
                         .group = group,
                         .kind = attribute("kind"),
                         .transport = transport,
                         .address = address};
  auto alive = alive_;
  auto submitted =
      store_->writer().submit(op, [this, alive, id, reply](const store::WriteResult& r) {
        post([this, alive, id, reply, r] {
          if (!*alive) return;
          if (!r.ok()) {
            if (reply) reply(store_error(r));
            return;
          }
          if (reply) reply("OK");
          if (auto* device = registry_.find(id)) {
            emit_device(*device);
            deliver_pending(*device);
          }
        });
      });
  if (submitted != store::SubmitResult::accepted && reply) reply("ERR busy, try again");
}

void Hub::handle_payload(const std::string& id, const gateway::DeviceMessage& m, Reply reply) {
  LiveDevice* device = registry_.find(id);
  if (!device) return;
  int64_t now = store::now_ms();
  device->last_seen = now;
  using Kind = gateway::DeviceMessageKind;
  if (m.kind == Kind::reply) return handle_reply(*device, m);  // never answer an answer

  store::WriteOp op;
  std::map<std::string, double> values;
  if (m.kind == Kind::readings || m.kind == Kind::json) {
    store::InsertReadings readings{.device_id = id, .ts = now};
    for (const auto& r : m.readings) {
      readings.samples.push_back({.key = r.key, .value = r.value});
      values[r.key] = r.value;
    }
    for (const auto& [key, value] : m.fields) {
      if (value.is_bool()) {
        readings.samples.push_back({.key = key, .value = value.as_bool() ? 1.0 : 0.0});
        values[key] = value.as_bool() ? 1.0 : 0.0;
      } else if (value.is_string()) {
        readings.samples.push_back(
            {.key = key, .value = std::nullopt, .text = std::string(value.as_string())});
      } else {
        readings.samples.push_back(
            {.key = key, .value = std::nullopt, .text = boost::json::serialize(value)});
      }
    }
    if (readings.samples.empty()) return reply("ERR no readings in message");
    op = std::move(readings);
  } else {
    op = store::InsertText{.device_id = id, .ts = now, .text = m.text};
  }
  bool is_text = m.kind == Kind::text;
  std::string text = m.text;
  auto alive = alive_;
  auto submitted = store_->writer().submit(std::move(op), [this, alive, id, reply, values, is_text,
                                                           text, now](const store::WriteResult& r) {
    post([this, alive, id, reply, values, is_text, text, now, r] {
      if (!*alive) return;
      if (!r.ok()) return reply(store_error(r));
      reply("OK");
      LiveDevice* device = registry_.find(id);
      if (!device) return;
      if (is_text) {
        io_server_->of("/dashboard")
            .to("telemetry")
            .to("device:" + id)
            .emit("device-message",
                  boost::json::object{{"device", id}, {"ts", now}, {"text", text}});
        return;
      }
      bool new_keys = false;
      boost::json::object v;
      for (const auto& [key, value] : values) {
        new_keys |= !device->latest.contains(key);
        device->latest[key] = value;
        v[key] = value;
      }
      io_server_->of("/dashboard")
          .to("telemetry")
          .to("device:" + id)
          .emit("telemetry", boost::json::object{{"device", id}, {"ts", now}, {"values", v}});
      if (new_keys) emit_device(*device);
      apply_rules(id, values);
    });
  });
  if (submitted != store::SubmitResult::accepted) reply("ERR busy, try again");
}

void Hub::handle_reply(LiveDevice& device, const gateway::DeviceMessage& m) {
  if (device.awaiting_reply.empty()) return;
  int64_t command_id = device.awaiting_reply.front();
  device.awaiting_reply.pop_front();
  int64_t now = store::now_ms();
  std::string reply = m.raw;
  store::WriteOp op;
  if (m.reply_status == gateway::ReplyStatus::err) {
    op = store::MarkCommandFailed{.id = command_id, .ts = now, .reason = reply};
  } else {
    op = store::MarkCommandAcked{.id = command_id, .ts = now, .reply = reply};
  }
  auto alive = alive_;
  (void)store_->writer().submit(std::move(op),
                                [this, alive, command_id](const store::WriteResult& r) {
                                  if (!r.ok()) return;
                                  post([this, alive, command_id] {
                                    if (!*alive) return;
                                    if (auto command = store_->reader().command(command_id))
                                      emit_command_status(*command);
                                  });
                                });
}

void Hub::on_device_close(const gateway::DeviceConnectionPtr& conn) {
  auto it = connection_device_.find(conn->id());
  if (it == connection_device_.end()) return;
  std::string id = it->second;
  connection_device_.erase(it);
  LiveDevice* device = registry_.find(id);
  if (!device || device->connection != conn) return;
  device->connection.reset();
  device->online = false;
  device->awaiting_reply.clear();
  device->delivered.clear();
  (void)store_->writer().submit(
      store::UpsertDevice{.id = id, .ts = device->last_seen, .online = false});
  emit_device(*device);
}

void Hub::on_datagram(const net::udp::endpoint& sender, const gateway::DeviceMessage& m,
                      const gateway::UdpReplyFn& udp_reply) {
  ++counters_.udp_in;
  Reply reply = [this, udp_reply](std::string_view line) {
    if (config_.udp_reply && udp_reply(line)) ++counters_.udp_out;
  };
  std::string address = endpoint_string(sender);
  if (m.kind == gateway::DeviceMessageKind::hello) {
    if (!check_device_token(m.device_id, m.token)) {
      ++counters_.errors;
      return reply("ERR unauthorized: bad or missing token for " + m.device_id);
    }
    udp_device_[address] = m.device_id;
    return identify(m.device_id, m, "udp", address, nullptr, reply);
  }
  auto known = udp_device_.find(address);
  std::string id;
  if (known != udp_device_.end()) {
    id = known->second;
  } else {
    if (!config_.device_tokens.empty()) {
      ++counters_.errors;
      return reply("ERR unauthorized: send HELLO <device-id> <token> first");
    }
    id = "udp-" + sender.address().to_string() + "-" + std::to_string(sender.port());
    if (udp_device_.size() < 100000) udp_device_[address] = id;
  }
  LiveDevice* device = registry_.find(id);
  if (!device || !device->online) {
    gateway::DeviceMessage anonymous;
    anonymous.kind = gateway::DeviceMessageKind::hello;
    identify(id, anonymous, "udp", address, nullptr, {});
  }
  handle_payload(id, m, reply);
}

void Hub::send_command(const std::string& target, const std::string& command,
                       store::CommandSource source, CommandDone done) {
  auto fail = [&](const std::string& error) {
    done(boost::json::object{{"ok", false}, {"error", error}});
  };
  if (command.empty()) return fail("command is empty");
  if (command.size() > 256) return fail("command is longer than 256 bytes");
  for (unsigned char c : command)
    if (c < 0x20 || c == 0x7f) return fail("command contains control characters");
  if (target.empty()) return fail("no target: use a device id, group:<name> or *");
  if (target == "*" && config_.device_tokens.empty()) {
    // A connection that never sent anything (the course's second sketch only listens) is still a
    // connected device: give it its address as a name now, so "*" reaches it too. Not when
    // devices need a token: such a connection has not shown one.
    std::vector<gateway::DeviceConnectionPtr> silent;
    devices_->for_each([&](const gateway::DeviceConnectionPtr& conn) {
      if (!connection_device_.contains(conn->id())) silent.push_back(conn);
    });
    for (const auto& conn : silent)
      identify_anonymous(conn);
  }
  if (target == "group:") return fail("no group name: use group:<name>");
  auto ids = registry_.resolve(target);
  if (target != "*" && !target.starts_with("group:") && !registry_.find(target))
    return fail("unknown device '" + target + "'");
  if (ids.empty()) {
    return done(boost::json::object{
        {"ok", true}, {"commands", boost::json::array{}}, {"note", "no device matches " + target}});
  }
  struct Pending {
    std::size_t left;
    boost::json::array commands;
    CommandDone done;
  };
  auto pending = std::make_shared<Pending>(Pending{ids.size(), {}, std::move(done)});
  int64_t now = store::now_ms();
  auto alive = alive_;
  for (const auto& id : ids) {
    auto submitted = store_->writer().submit(
        store::EnqueueCommand{.device_id = id, .command = command, .source = source, .ts = now},
        [this, alive, pending, id](const store::WriteResult& r) {
          post([this, alive, pending, id, r] {
            if (!*alive) return;
            if (r.ok()) {
              if (auto stored = store_->reader().command(r.id)) {
                LiveDevice* device = registry_.find(id);
                store::Command now_state = *stored;
                if (device && device->connection) {
                  now_state = write_command(*device, *stored);
                } else {
                  emit_command_status(*stored);
                }
                pending->commands.push_back(boost::json::value_from(now_state));
              }
            } else {
              pending->commands.push_back(boost::json::object{{"device", id}, {"error", r.error}});
            }
            if (--pending->left == 0)
              pending->done(
                  boost::json::object{{"ok", true}, {"commands", std::move(pending->commands)}});
          });
        });
    if (submitted != store::SubmitResult::accepted) {
      pending->commands.push_back(boost::json::object{{"device", id}, {"error", "busy"}});
      if (--pending->left == 0)
        pending->done(
            boost::json::object{{"ok", true}, {"commands", std::move(pending->commands)}});
    }
  }
}

store::Command Hub::write_command(LiveDevice& device, const store::Command& command) {
  if (!device.connection || device.delivered.contains(command.id)) return command;
  if (!device.connection->send_line(command.command)) return command;
  ++counters_.tcp_out;
  device.delivered.insert(command.id);
  device.awaiting_reply.push_back(command.id);
  store::Command sent = command;
  sent.state = store::CommandState::sent;
  sent.sent_at = store::now_ms();
  emit_command_status(sent);
  (void)store_->writer().submit(store::MarkCommandSent{.id = command.id, .ts = *sent.sent_at});
  return sent;
}

void Hub::deliver_pending(LiveDevice& device) {
  if (!device.connection) return;
  for (const auto& command : store_->reader().pending_commands(device.id, false, 1000))
    write_command(device, command);
}

void Hub::apply_rules(const std::string& device, const std::map<std::string, double>& values) {
  run_actions(rules_.on_reading(device, values));
}

void Hub::run_actions(const std::vector<RuleAction>& actions) {
  for (const auto& action : actions) {
    if (!action.command.empty()) {
      std::vector<std::string> targets{action.to};
      if (action.alley)
        targets = registry_.alley_lamps(action.alley->group, action.alley->lamps,
                                        action.alley->light_sensor);
      spdlog::info("rule {}: {} -> {} device(s)", action.rule, action.command, targets.size());
      for (const auto& target : targets) {
        if (!registry_.find(target)) continue;  // a listed lamp never seen: nothing to queue for
        send_command(target, action.command, store::CommandSource::rule,
                     [](boost::json::object) {});
      }
    }
    if (!action.alert.empty()) {
      int64_t now = store::now_ms();
      std::optional<std::string> device;
      if (!action.device.empty() && registry_.find(action.device)) device = action.device;
      auto alive = alive_;
      (void)store_->writer().submit(store::InsertAlert{.ts = now,
                                                       .rule = action.rule,
                                                       .device_id = device,
                                                       .message = action.alert,
                                                       .value = action.value},
                                    [this, alive, action, now](const store::WriteResult& r) {
                                      if (!r.ok()) return;
                                      post([this, alive, action, now, id = r.id] {
                                        if (*alive) emit_alert(action, now, id);
                                      });
                                    });
    }
  }
}

void Hub::schedule_clock() {
  clock_timer_.expires_after(std::chrono::seconds(20));
  clock_timer_.async_wait([this, alive = alive_](net::error_code ec) {
    if (ec || !*alive) return;
    std::time_t t = std::time(nullptr);
    std::tm local{};
    localtime_r(&t, &local);
    run_actions(rules_.on_clock(local.tm_hour * 60 + local.tm_min));
    schedule_clock();
  });
}

}  // namespace soket::hub
