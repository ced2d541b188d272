// Devices: identification, readings and texts into the store (OK after commit), commands out
// (queued while the device is away), replies to commands, and the rules run on every reading.
#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "soket/hub/hub.hpp"
#include "soket/store/json.hpp"
#include "soket/util/constant_time.hpp"
#include "soket/util/json_text.hpp"
#include "soket/util/log.hpp"

namespace soket::hub {
namespace {

/// A device that sent no HELLO is known by its connection's address, as in the course's first
/// exercises.
std::string anonymous_id(const gateway::DeviceConnection& conn) {
  return "tcp-" + conn.remote().address().to_string() + "-" + std::to_string(conn.remote().port());
}

std::string endpoint_string(const net::udp::endpoint& e) {
  return e.address().to_string() + ":" + std::to_string(e.port());
}

std::optional<net::udp::endpoint> parse_udp_address(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  net::error_code ec;
  auto ip = net::asio::ip::make_address(address.substr(0, colon), ec);
  if (ec) return std::nullopt;
  unsigned port = 0;
  auto digits = std::string_view(address).substr(colon + 1);
  auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (err != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535)
    return std::nullopt;
  return net::udp::endpoint(ip, static_cast<uint16_t>(port));
}

std::string store_error(const store::WriteResult& result) {
  return result.status == store::WriteStatus::rejected ? "ERR " + result.error
                                                       : "ERR storage failed, try again";
}

// The answer to every accepted message: one shared buffer, no allocation per OK.
const SharedBytes& ok_line() {
  static const SharedBytes ok = make_shared_bytes(std::string_view("OK\n"));
  return ok;
}

}  // namespace

void Hub::Reply::operator()(std::string_view line) const {
  if (conn) {
    if (line == "OK" ? conn->send_bytes(ok_line()) : conn->send_line(line))
      ++hub->counters_.tcp_out;
  } else if (udp) {
    if (hub->config_.udp_reply && udp(line)) ++hub->counters_.udp_out;
  }
}

store::Completion Hub::on_io(StoreDone fn) {
  return [this, fn = std::move(fn)](const store::WriteResult& r) mutable {
    store_result(std::move(fn), r);
  };
}

store::Completion Hub::on_io_payload() {
  // Captures only `this`: the std::function keeps it inline, no allocation per reading.
  return [this](const store::WriteResult& r) { store_result({}, r); };
}

void Hub::store_result(StoreDone fn, const store::WriteResult& r) {
  bool post_now = false;
  {
    std::lock_guard lock(store_results_.mutex);
    store_results_.items.emplace_back(std::move(fn), r);
    post_now = !std::exchange(store_results_.posted, true);
  }
  if (post_now) {
    net::asio::post(io_, [this, alive = alive_] {
      if (*alive) run_store_results();
    });
  }
}

void Hub::run_store_results() {
  {
    std::lock_guard lock(store_results_.mutex);
    std::swap(store_results_.items, running_results_);
    store_results_.posted = false;
  }
  for (auto& [fn, result] : running_results_) {
    if (fn) {
      fn(result);
    } else {
      payload_stored(result);
    }
  }
  running_results_.clear();
}

bool Hub::check_device_token(const std::string& id, const std::string& token) const {
  if (config_.device_tokens.empty()) return true;
  auto it = config_.device_tokens.find(id);
  if (it == config_.device_tokens.end()) it = config_.device_tokens.find("*");
  return it != config_.device_tokens.end() && util::constant_time_equal(token, it->second);
}

std::optional<std::string> Hub::refuse_new_device(const std::string& id,
                                                  const std::string& address) {
  if (registry_.find(id)) return std::nullopt;
  using Verdict = NewDeviceLimiter::Verdict;
  Verdict verdict = new_devices_.allow(address, registry_.size());
  if (verdict == Verdict::allowed) return std::nullopt;
  ++counters_.errors;
  std::string reason = verdict == Verdict::too_many_devices
                           ? "ERR too many devices: the hub knows " +
                                 std::to_string(registry_.size()) + " (limits.devices.max_devices)"
                           : "ERR too many new devices from " + address + ", try again later";
  auto now = std::chrono::steady_clock::now();
  if (now - new_device_refusal_logged_ >= std::chrono::seconds(10)) {
    new_device_refusal_logged_ = now;
    spdlog::warn("device {} from {} not created: {} ({} refused so far)", id, address,
                 reason.substr(4), new_devices_.refused());
  }
  return reason;
}

void Hub::on_device_message(const gateway::DeviceConnectionPtr& conn,
                            const gateway::DeviceMessage& m) {
  ++counters_.tcp_in;
  Reply reply{this, conn, {}};
  auto known = connection_device_.find(conn->id());
  if (m.kind == gateway::DeviceMessageKind::hello) {
    if (known != connection_device_.end() && known->second != m.device_id &&
        !known->second.starts_with("tcp-")) {
      return reply_in_order(reply, "ERR already identified as " + known->second);
    }
    if (!check_device_token(m.device_id, m.token)) {
      ++counters_.errors;
      spdlog::warn("device {} from {}: bad or missing token", m.device_id, conn->remote_string());
      return reply_in_order(reply, "ERR unauthorized: bad or missing token for " + m.device_id,
                            true);
    }
    if (auto refused = refuse_new_device(m.device_id, conn->remote().address().to_string()))
      return reply_in_order(reply, std::move(*refused), true);
    if (known != connection_device_.end() && known->second != m.device_id) {
      // The connection was known by its address until now: that name goes offline.
      if (LiveDevice* anonymous = registry_.find(known->second);
          anonymous && anonymous->connection == conn) {
        anonymous->connection.reset();
        anonymous->online = false;
        (void)store_->writer().submit(store::UpsertDevice{.id = anonymous->id,
                                                          .ts = anonymous->last_seen,
                                                          .online = false,
                                                          .node = store_node()});
        emit_device(*anonymous);
      }
    }
    connection_device_[conn->id()] = m.device_id;
    return identify(m.device_id, m, "tcp", conn->remote_string(), conn, reply);
  }
  if (known == connection_device_.end()) {
    if (!config_.device_tokens.empty()) {
      ++counters_.errors;
      return reply_in_order(reply, "ERR unauthorized: send HELLO <device-id> <token> first");
    }
    // An answer from a connection the hub does not know answers nothing: no device for it.
    if (m.kind == gateway::DeviceMessageKind::reply) return;
    if (auto refused = refuse_new_device(anonymous_id(*conn), conn->remote().address().to_string()))
      return reply_in_order(reply, std::move(*refused), true);
    identify_anonymous(conn);
    known = connection_device_.find(conn->id());
  }
  handle_payload(known->second, m, reply);
}

void Hub::identify_anonymous(const gateway::DeviceConnectionPtr& conn) {
  std::string id = anonymous_id(*conn);
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
  device.remote = false;
  if (cluster_) device.node = node_name();
  device.last_seen = now;
  if (!device.first_seen) device.first_seen = now;
  if (conn && device.connection != conn) {
    device.connection = conn;
    device.delivered.clear();
    device.awaiting_reply.clear();
  }
  if (conn) device.command_ids = attribute("cmdid") == "1";
  store::UpsertDevice op{.id = id,
                         .ts = now,
                         .online = true,
                         .name = attribute("name"),
                         .group = group,
                         .kind = attribute("kind"),
                         .transport = transport,
                         .address = address,
                         .node = store_node()};
  if (!reply) {
    (void)store_->writer().submit(op, on_io([this, id](const store::WriteResult& r) {
                                    if (!r.ok()) return;
                                    if (auto* device = registry_.find(id)) {
                                      emit_device(*device);
                                      deliver_pending(*device);
                                      hold_lamp_state(*device);
                                    }
                                  }));
    return;
  }
  // With a reply: in the device's reply order, like its readings.
  pending_payloads_.push_back(
      PendingPayload{.reply = reply, .device = id, .kind = PendingKind::hello});
  auto submitted = store_->writer().submit(op, on_io_payload());
  if (submitted != store::SubmitResult::accepted) {
    pending_payloads_.pop_back();
    reply_in_order(reply, "ERR busy, try again");
  }
}

void Hub::reply_in_order(const Reply& reply, std::string line, bool close_after) {
  if (pending_head_ == pending_payloads_.size()) {
    reply(line);
    if (close_after && reply.conn) reply.conn->close();
    return;
  }
  pending_payloads_.push_back(PendingPayload{.reply = reply,
                                             .kind = PendingKind::line,
                                             .close_after = close_after,
                                             .text = std::move(line)});
}

void Hub::send_ready_lines() {
  while (pending_head_ < pending_payloads_.size() &&
         pending_payloads_[pending_head_].kind == PendingKind::line) {
    PendingPayload& p = pending_payloads_[pending_head_++];
    p.reply(p.text);
    if (p.close_after && p.reply.conn) p.reply.conn->close();
  }
  if (pending_head_ == pending_payloads_.size()) {
    pending_payloads_.clear();
    pending_head_ = 0;
  }
}

void Hub::handle_payload(const std::string& id, const gateway::DeviceMessage& m, Reply reply) {
  LiveDevice* device = registry_.find(id);
  if (!device) return;
  int64_t now = store::now_ms();
  device->last_seen = now;
  using Kind = gateway::DeviceMessageKind;
  if (m.kind == Kind::reply) return handle_reply(*device, m);  // never answer an answer

  PendingPayload pending{.reply = reply, .device = id, .ts = now};
  store::WriteOp op;
  if (m.kind == Kind::readings || m.kind == Kind::json) {
    store::InsertReadings readings{.device_id = id, .ts = now};
    readings.samples.reserve(m.readings.size() + m.fields.size());
    auto value = [&](const std::string& key, double v) {
      for (auto& [k, old] : pending.values)
        if (k == key) return void(old = v);  // a JSON object may repeat a key: the last wins
      pending.values.emplace_back(key, v);
    };
    for (const auto& r : m.readings) {
      readings.samples.push_back({.key = r.key, .value = r.value});
      value(r.key, r.value);
    }
    for (const auto& [key, v] : m.fields) {
      if (v.is_bool()) {
        readings.samples.push_back({.key = key, .value = v.as_bool() ? 1.0 : 0.0});
        value(key, v.as_bool() ? 1.0 : 0.0);
      } else if (v.is_string()) {
        readings.samples.push_back(
            {.key = key, .value = std::nullopt, .text = std::string(v.as_string())});
      } else {
        readings.samples.push_back(
            {.key = key, .value = std::nullopt, .text = json_text::to_json(v)});
      }
    }
    if (readings.samples.empty()) return reply_in_order(reply, "ERR no readings in message");
    op = std::move(readings);
  } else {
    op = store::InsertText{.device_id = id, .ts = now, .text = m.text};
    pending.kind = PendingKind::text;
    pending.text = m.text;
  }
  // The commit's completion finds this entry at the head: completions come in submission order.
  pending_payloads_.push_back(std::move(pending));
  auto submitted = store_->writer().submit(std::move(op), on_io_payload());
  if (submitted != store::SubmitResult::accepted) {
    pending_payloads_.pop_back();
    reply_in_order(reply, "ERR busy, try again");
  }
}

void Hub::payload_stored(const store::WriteResult& r) {
  PendingPayload p = std::move(pending_payloads_[pending_head_++]);
  // Lines that waited for this reply go right after it (when it is written below, the socket
  // write is only queued: these are queued behind it in the same turn).
  struct SendReadyLines {
    Hub* hub;
    ~SendReadyLines() { hub->send_ready_lines(); }
  } send_ready_lines_after{this};
  if (pending_head_ == pending_payloads_.size()) {
    pending_payloads_.clear();
    pending_head_ = 0;
  } else if (pending_head_ >= 1024 && pending_head_ * 2 >= pending_payloads_.size()) {
    // Under steady load the queue never empties: drop the consumed front now and then.
    pending_payloads_.erase(pending_payloads_.begin(),
                            pending_payloads_.begin() + static_cast<std::ptrdiff_t>(pending_head_));
    pending_head_ = 0;
  }
  if (!r.ok()) return p.reply(store_error(r));
  p.reply("OK");
  LiveDevice* device = registry_.find(p.device);
  if (!device) return;
  if (p.kind == PendingKind::hello) {
    emit_device(*device);
    deliver_pending(*device);
    return hold_lamp_state(*device);
  }
  // Nobody on /dashboard (every dashboard socket is in "telemetry"; "device:<id>" rooms are
  // joined by dashboard sockets only): no event to build.
  // In a cluster the dashboards may be on other nodes: always (the adapter carries it there).
  bool dashboards = cluster_ || !dashboard_->sockets().empty();
  if (p.kind == PendingKind::text) {
    if (dashboards) {
      dashboard_->to("telemetry")
          .to("device:" + p.device)
          .emit("device-message",
                boost::json::object{{"device", p.device}, {"ts", p.ts}, {"text", p.text}});
    }
    return;
  }
  bool new_keys = false;
  for (const auto& [key, value] : p.values) {
    auto [it, inserted] = device->latest.try_emplace(key, value);
    if (!inserted) it->second = value;
    new_keys |= inserted;
  }
  if (dashboards) {
    boost::json::object v;
    for (const auto& [key, value] : p.values)
      v[key] = value;
    dashboard_->to("telemetry")
        .to("device:" + p.device)
        .emit("telemetry",
              boost::json::object{{"device", p.device}, {"ts", p.ts}, {"values", std::move(v)}});
  }
  if (new_keys) emit_device(*device);
  if (rules_.watches(p.device)) {
    std::map<std::string, double> values(p.values.begin(), p.values.end());
    apply_rules(p.device, values);
  }
}

void Hub::handle_reply(LiveDevice& device, const gateway::DeviceMessage& m) {
  if (device.awaiting_reply.empty()) return;
  // "OK #17" answers command 17 (devices that said cmdid=1); a plain reply the oldest one.
  auto answered = device.awaiting_reply.begin();
  if (m.reply_detail.starts_with('#')) {
    int64_t id = 0;
    auto digits = std::string_view(m.reply_detail).substr(1);
    digits = digits.substr(0, digits.find(' '));
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec == std::errc() && end == digits.data() + digits.size()) {
      answered = std::find(device.awaiting_reply.begin(), device.awaiting_reply.end(), id);
      if (answered == device.awaiting_reply.end()) return;  // not one awaiting here: a late repeat
    }
  }
  int64_t command_id = *answered;
  device.awaiting_reply.erase(answered);
  int64_t now = store::now_ms();
  std::string reply = m.raw;
  store::WriteOp op;
  if (m.reply_status == gateway::ReplyStatus::err) {
    op = store::MarkCommandFailed{.id = command_id, .ts = now, .reason = reply};
  } else {
    op = store::MarkCommandAcked{.id = command_id, .ts = now, .reply = reply};
  }
  (void)store_->writer().submit(std::move(op),
                                on_io([this, command_id](const store::WriteResult& r) {
                                  if (!r.ok()) return;
                                  if (auto command = store_->reader().command(command_id))
                                    emit_command_status(*command);
                                }));
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
  (void)store_->writer().submit(store::UpsertDevice{
      .id = id, .ts = device->last_seen, .online = false, .node = store_node()});
  emit_device(*device);
}

void Hub::on_datagram(const net::udp::endpoint& sender, const gateway::DeviceMessage& m,
                      const gateway::UdpReplyFn& udp_reply) {
  ++counters_.udp_in;
  Reply reply{this, nullptr, udp_reply};
  std::string address = endpoint_string(sender);
  if (m.kind == gateway::DeviceMessageKind::hello) {
    if (!check_device_token(m.device_id, m.token)) {
      ++counters_.errors;
      return reply("ERR unauthorized: bad or missing token for " + m.device_id);
    }
    if (auto refused = refuse_new_device(m.device_id, sender.address().to_string()))
      return reply(*refused);
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
    if (m.kind == gateway::DeviceMessageKind::reply) return;
    id = "udp-" + sender.address().to_string() + "-" + std::to_string(sender.port());
    if (auto refused = refuse_new_device(id, sender.address().to_string())) return reply(*refused);
    if (udp_device_.size() < 100000) udp_device_[address] = id;
  }
  LiveDevice* device = registry_.find(id);
  if (device && device->online && device->transport == "udp") {
    int64_t gap = store::now_ms() - device->last_seen;
    if (gap > 0) {  // the device's reporting interval, smoothed
      device->udp_interval_ms =
          device->udp_interval_ms == 0 ? gap : (device->udp_interval_ms * 7 + gap * 3) / 10;
    }
  }
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
  if (target != "*" && !target.starts_with("group:")) {
    const LiveDevice* device = registry_.find(target);
    if (!device) return fail("unknown device '" + target + "'");
    if (!registry_.takes_commands(*device))
      return fail("device '" + target +
                  "' sends over UDP and cannot receive commands (set [devices] udp_commands = "
                  "true if it listens on the port it sends from)");
  }
  if (ids.empty()) {
    return done(boost::json::object{
        {"ok", true}, {"commands", boost::json::array{}}, {"note", "no device matches " + target}});
  }
  // The ack lists every command in the order of `ids`, each in its state once this node (or the
  // node that holds the device) wrote it: the same answer from every node.
  struct Pending {
    std::size_t left;
    std::vector<boost::json::value> commands;
    CommandDone done;
    void settle(std::size_t index, boost::json::value command) {
      commands[index] = std::move(command);
      if (--left > 0) return;
      boost::json::array list;
      for (auto& c : commands)
        list.push_back(std::move(c));
      done(boost::json::object{{"ok", true}, {"commands", std::move(list)}});
    }
  };
  auto pending = std::make_shared<Pending>(
      Pending{ids.size(), std::vector<boost::json::value>(ids.size()), std::move(done)});
  int64_t now = store::now_ms();
  for (std::size_t index = 0; index < ids.size(); ++index) {
    const std::string& id = ids[index];
    auto submitted = store_->writer().submit(
        store::EnqueueCommand{.device_id = id, .command = command, .source = source, .ts = now},
        on_io([this, pending, id, index](const store::WriteResult& r) {
          if (!r.ok())
            return pending->settle(index, boost::json::object{{"device", id}, {"error", r.error}});
          auto stored = store_->reader().command(r.id);
          if (!stored)
            return pending->settle(index,
                                   boost::json::object{{"device", id}, {"error", "not stored"}});
          LiveDevice* device = registry_.find(id);
          if (device && can_receive_now(*device)) {
            if (!cluster_)
              return pending->settle(index,
                                     boost::json::value_from(write_command(*device, *stored)));
            return claim_and_write(id, *stored, false,
                                   [pending, index](const store::Command& state, bool) {
                                     pending->settle(index, boost::json::value_from(state));
                                   });
          }
          emit_command_status(*stored);
          if (device && device->remote && cluster_)
            return deliver_remote(*stored, false, [pending, index](boost::json::value state) {
              pending->settle(index, std::move(state));
            });
          pending->settle(index, boost::json::value_from(*stored));
        }));
    if (submitted != store::SubmitResult::accepted)
      pending->settle(index, boost::json::object{{"device", id}, {"error", "busy"}});
  }
}

store::Command Hub::write_command(LiveDevice& device, const store::Command& command, bool resend) {
  if (auto it = device.delivered.find(command.id); it != device.delivered.end()) {
    // Already written (deliver_pending may run first when the device just connected).
    store::Command sent = command;
    sent.state = store::CommandState::sent;
    sent.sent_at = it->second;
    return sent;
  }
  if (!can_receive_now(device)) return command;
  bool written = device.command_ids
                     ? write_line_to(device, command.command + " #" + std::to_string(command.id))
                     : write_line_to(device, command.command);
  if (!written) return command;
  int64_t now = store::now_ms();
  device.delivered.emplace(command.id, now);
  device.awaiting_reply.push_back(command.id);
  store::Command sent = command;
  sent.state = store::CommandState::sent;
  sent.sent_at = now;
  emit_command_status(sent);
  (void)store_->writer().submit(
      store::MarkCommandSent{.id = command.id, .ts = *sent.sent_at, .resend = resend});
  return sent;
}

bool Hub::can_receive_now(const LiveDevice& device) const {
  if (device.remote) return false;  // its connection is on another node
  if (device.connection) return true;
  return config_.udp_commands && device.transport == "udp" && device.online;
}

bool Hub::write_line_to(LiveDevice& device, std::string_view line) {
  if (device.connection) {
    if (!device.connection->send_line(line)) return false;
    ++counters_.tcp_out;
    return true;
  }
  auto endpoint = parse_udp_address(device.address);
  if (!endpoint || !udp_->send_line(*endpoint, line)) return false;
  ++counters_.udp_out;
  return true;
}

int64_t Hub::udp_offline_after_ms(const LiveDevice& device) const {
  int64_t floor =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.udp_offline_min).count();
  return std::max(floor, device.udp_interval_ms * config_.udp_offline_intervals);
}

void Hub::schedule_udp_sweep() {
  udp_sweep_timer_.expires_after(std::chrono::seconds(1));
  udp_sweep_timer_.async_wait([this, alive = alive_](net::error_code ec) {
    if (ec || !*alive || stopped_) return;
    int64_t now = store::now_ms();
    registry_.for_each([&](LiveDevice& device) {
      if (!device.online || device.transport != "udp" || device.connection || device.remote) return;
      int64_t quiet = now - device.last_seen;
      if (quiet <= udp_offline_after_ms(device)) return;
      spdlog::info("device {} (udp {}): offline, no datagram for {} s (its interval ~{} ms)",
                   device.id, device.address, quiet / 1000, device.udp_interval_ms);
      device.online = false;
      device.udp_interval_ms = 0;
      device.awaiting_reply.clear();
      device.delivered.clear();
      (void)store_->writer().submit(store::UpsertDevice{
          .id = device.id, .ts = device.last_seen, .online = false, .node = store_node()});
      emit_device(device);
    });
    schedule_udp_sweep();
  });
}

void Hub::deliver_pending(LiveDevice& device) {
  if (!can_receive_now(device)) return;
  int64_t now = store::now_ms();
  int64_t ttl_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.command_ttl).count();
  for (const auto& command : store_->reader().pending_commands(device.id, true, 1000)) {
    if (command.state == store::CommandState::queued) {
      if (cluster_) {
        claim_and_write(device.id, command, false, [](const store::Command&, bool) {});
      } else {
        write_command(device, command);
      }
      continue;
    }
    if (device.delivered.contains(command.id)) continue;  // written on this connection
    // Written on a connection that ended (or before a restart) and never answered: the device
    // may not have seen it. At least once, while it is young enough to still mean something.
    if (now - command.created_at <= ttl_ms) {
      spdlog::info(
          "device {}: command #{} '{}' had no reply before its connection ended; sending it again",
          device.id, command.id, command.command);
      if (cluster_) {
        claim_and_write(device.id, command, true, [](const store::Command&, bool) {});
      } else {
        write_command(device, command, true);
      }
      continue;
    }
    std::string reason =
        "no reply before the connection ended; not sent again after command_ttl (" +
        std::to_string(config_.command_ttl.count()) + " s)";
    (void)store_->writer().submit(
        store::MarkCommandFailed{.id = command.id, .ts = now, .reason = reason},
        on_io([this, id = command.id](const store::WriteResult& r) {
          if (!r.ok()) return;
          if (auto failed = store_->reader().command(id)) emit_command_status(*failed);
        }));
  }
}

void Hub::apply_rules(const std::string& device, const std::map<std::string, double>& values) {
  if (cluster_) {
    // The other nodes evaluate it too (on_cluster_message): the leader may be one of them.
    boost::json::object numbers;
    for (const auto& [key, value] : values)
      numbers[key] = value;
    cluster_->publish(
        boost::json::object{{"t", "reading"}, {"device", device}, {"values", std::move(numbers)}});
  }
  auto actions = rules_.on_reading(device, values);
  if (leads()) run_actions(actions);
}

void Hub::run_actions(const std::vector<RuleAction>& actions) {
  bool alleys_switched = false;
  for (const auto& action : actions) {
    alleys_switched |= action.alley != nullptr;
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
      (void)store_->writer().submit(store::InsertAlert{.ts = now,
                                                       .rule = action.rule,
                                                       .device_id = device,
                                                       .message = action.alert,
                                                       .value = action.value},
                                    on_io([this, action, now](const store::WriteResult& r) {
                                      if (r.ok()) emit_alert(action, now, r.id);
                                    }));
    }
  }
  if (alleys_switched) emit_village_state();
}

void Hub::schedule_clock() {
  clock_timer_.expires_after(std::chrono::seconds(20));
  clock_timer_.async_wait([this, alive = alive_](net::error_code ec) {
    if (ec || !*alive) return;
    std::time_t t = std::time(nullptr);
    std::tm local{};
    localtime_r(&t, &local);
    clock_started_ = true;
    auto actions = rules_.on_clock(local.tm_hour * 60 + local.tm_min);
    if (leads()) run_actions(actions);
    schedule_clock();
  });
}

}  // namespace soket::hub
