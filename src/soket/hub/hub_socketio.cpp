// The Socket.IO side: the course namespace "/", the dashboard and the web half of the chat.
#include <cctype>
#include <set>

#include "soket/hub/hub.hpp"
#include "soket/socketio/socket.hpp"
#include "soket/store/json.hpp"
#include "soket/util/ascii.hpp"
#include "soket/util/log.hpp"

namespace soket::hub {

using socketio::Ack;
using socketio::Message;
using socketio::Socket;

namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

boost::json::object error(std::string message) {
  return {{"ok", false}, {"error", std::move(message)}};
}

const boost::json::object* object_arg(const Message& m) {
  return !m.args.empty() && m.args[0].is_object() ? &m.args[0].as_object() : nullptr;
}

std::string string_field(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

std::optional<int64_t> int_field(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_number()) return std::nullopt;
  boost::system::error_code ec;
  auto v = it->value().to_number<int64_t>(ec);
  if (ec) return std::nullopt;
  return v;
}

/// `text` as one URL path segment: unreserved characters as they are, the rest as %XX.
std::string percent_encoded(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  return out;
}

/// Whether `text` holds `needle`, ASCII letters in any case.
bool contains_ascii_nocase(std::string_view text, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= text.size(); ++i)
    if (iequals_ascii(text.substr(i, needle.size()), needle)) return true;
  return false;
}

/// A device search: the text in its id, name, group or kind, in any case.
bool device_matches(const LiveDevice& d, std::string_view needle) {
  return contains_ascii_nocase(d.id, needle) || contains_ascii_nocase(d.name, needle) ||
         contains_ascii_nocase(d.group, needle) || contains_ascii_nocase(d.kind, needle);
}

/// A device the village panels draw whatever its age: a lamp or a greenhouse.
bool village_kind(const LiveDevice& d) {
  return d.kind == "lamp" || d.kind == "greenhouse" || d.latest.contains("lamp");
}

/// A chat text or name is printable UTF-8 without control characters, 1..max bytes.
bool clean_text(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

void Hub::setup_course_namespace() {
  // As the course's python-socketio and Node servers: a welcome, then message/pesan to everyone.
  io_server_->on_connection([this](Socket& socket) {
    socket.emit("welcome_message", "Welcome to the WebSocket server!");
    socket.on("message", [this](Socket&, Message& m, Ack&) {
      io_server_->main().emit_message("message", std::move(m));
    });
    socket.on("pesan", [this](Socket&, Message& m, Ack&) {
      io_server_->main().emit_message("pesan", std::move(m));
    });
  });
}

void Hub::emit_device(const LiveDevice& device) {
  io_server_->of("/dashboard").emit("device", registry_.to_json(device));
  publish_device(device);
}

void Hub::emit_command_status(const store::Command& command) {
  io_server_->of("/dashboard").emit("command-status", boost::json::value_from(command));
}

void Hub::emit_alert(const RuleAction& action, int64_t ts, int64_t id) {
  boost::json::object alert{{"id", id},
                            {"ts", ts},
                            {"rule", action.rule},
                            {"device", action.device},
                            {"message", action.alert}};
  if (action.value) alert["value"] = *action.value;
  io_server_->of("/dashboard").emit("alert", std::move(alert));
}

void Hub::setup_dashboard_namespace() {
  auto& dashboard = io_server_->of("/dashboard");
  dashboard_ = &dashboard;
  if (access_.dashboard_locked()) {
    dashboard.use([this](Socket& socket, socketio::Next next) {
      if (access_.dashboard_allowed(socket.auth())) return next(std::nullopt);
      next(socketio::ConnectError{"unauthorized: bad or missing dashboard token", nullptr});
    });
  }
  dashboard.on_connection([this](Socket& socket) {
    socket.join("telemetry");
    boost::json::object village;
    boost::json::array alleys, greenhouses;
    std::set<std::string> village_ids;  // in the snapshot whatever their age
    for (const auto& a : config_.alleys) {
      boost::json::array lamps;
      for (const auto& id : registry_.alley_lamps(a.group, a.lamps, a.light_sensor)) {
        lamps.push_back(boost::json::value(id));
        village_ids.insert(id);
      }
      village_ids.insert(a.light_sensor);
      boost::json::object alley{{"name", a.name},         {"light_sensor", a.light_sensor},
                                {"group", a.group},       {"lamps", std::move(lamps)},
                                {"on_below", a.on_below}, {"off_above", a.off_above}};
      if (a.schedule_on_minute && a.schedule_off_minute) {
        auto clock = [](int m) {
          char b[16];
          std::snprintf(b, sizeof b, "%02d:%02d", (m / 60) % 24, m % 60);
          return std::string(b);
        };
        alley["schedule"] = boost::json::object{{"on", clock(*a.schedule_on_minute)},
                                                {"off", clock(*a.schedule_off_minute)}};
      }
      alleys.push_back(std::move(alley));
    }
    for (const auto& g : config_.greenhouses) {
      village_ids.insert(g.device);
      boost::json::object gh{{"name", g.name}, {"device", g.device}};
      if (g.temp) gh["temp"] = boost::json::object{{"min", g.temp->min}, {"max", g.temp->max}};
      if (g.hum) gh["hum"] = boost::json::object{{"min", g.hum->min}, {"max", g.hum->max}};
      // What the rule sends, so that the dashboard's fan and pump switches send the same.
      gh["commands"] = boost::json::object{{"fan_on", g.on_temp_high},
                                           {"fan_off", g.on_temp_normal},
                                           {"pump_on", g.on_hum_low},
                                           {"pump_off", g.on_hum_normal}};
      greenhouses.push_back(std::move(gh));
    }
    village["alleys"] = std::move(alleys);
    village["alley_state"] = alleys_json();
    village["greenhouses"] = std::move(greenhouses);
    // A page, not every device: the most recently seen ones and the village's. With thousands of
    // devices a whole list is megabytes to every dashboard that connects; the rest comes with
    // find-devices. device_count and online_count are the hub's.
    boost::json::array devices;
    boost::json::value next_offset = nullptr;
    auto ordered = registry_.by_recency();
    for (std::size_t i = 0; i < ordered.size(); ++i) {
      const LiveDevice& d = *ordered[i];
      if (static_cast<int64_t>(i) < config_.snapshot_devices)
        devices.push_back(registry_.to_json(d));
      else if (village_ids.contains(d.id) || village_kind(d))
        devices.push_back(registry_.to_json(d));
    }
    if (static_cast<int64_t>(ordered.size()) > config_.snapshot_devices)
      next_offset = config_.snapshot_devices;
    socket.emit("snapshot",
                boost::json::object{
                    {"devices", std::move(devices)},
                    {"device_count", ordered.size()},
                    {"online_count", registry_.online_count()},
                    {"next_offset", std::move(next_offset)},
                    {"village", std::move(village)},
                    {"alerts", boost::json::value_from(store_->reader().recent_alerts(50))},
                    // The real counts, not the length of the capped list above.
                    {"alert_count", store_->reader().alert_count()},
                    {"alerts_24h", store_->reader().alert_count(store::now_ms() - kDayMs)}});

    socket.on("command", [this](Socket&, Message& m, Ack& ack) {
      const auto* o = object_arg(m);
      if (!o) return ack.send(error("expected {to, command}"));
      send_command(string_field(*o, "to"), string_field(*o, "command"),
                   store::CommandSource::dashboard,
                   [ack](boost::json::object result) mutable { ack.send(std::move(result)); });
    });
    // "All off": the lamps of every alley, nothing else; at night a manual override with an end.
    socket.on("lamps-off", [this](Socket&, Message&, Ack& ack) {
      manual_lamps_off([ack](boost::json::object result) mutable {
        if (ack) ack.send(std::move(result));
      });
    });
    socket.on("history", [this](Socket&, Message& m, Ack& ack) {
      const auto* o = object_arg(m);
      if (!o) return ack.send(error("expected {device, from, to, points}"));
      std::string device = string_field(*o, "device");
      if (!registry_.find(device)) return ack.send(error("unknown device '" + device + "'"));
      // Bounded first: "to" minus an hour overflowed for a "to" near the int64 minimum.
      int64_t to = store::bounded_time_ms(int_field(*o, "to").value_or(store::now_ms()));
      int64_t from = store::bounded_time_ms(int_field(*o, "from").value_or(to - 3600 * 1000));
      int64_t points = std::clamp<int64_t>(int_field(*o, "points").value_or(300), 1, 2000);
      if (from > to) return ack.send(error("from is after to"));
      // Over millions of readings this takes seconds: on the query pool, never the io thread.
      queries_->run(
          [this, device, from, to, points] {
            try {
              boost::json::object series;
              for (const auto& b : query_reader_->readings_downsampled(device, from, to, points)) {
                auto& list = series[b.key];
                if (!list.is_array()) list = boost::json::array{};
                list.as_array().push_back(
                    boost::json::array{b.start + b.width / 2, b.avg, b.min, b.max});
              }
              return boost::json::object{{"ok", true},
                                         {"device", device},
                                         {"from", from},
                                         {"to", to},
                                         {"series", std::move(series)}};
            } catch (const std::exception& e) {
              spdlog::error("history of {} failed: {}", device, e.what());
              return error("the history query failed, try again");
            }
          },
          [ack](boost::json::object result) mutable { ack.send(std::move(result)); });
    });
    socket.on("follow", [](Socket& s, Message& m, Ack& ack) {
      const auto* o = object_arg(m);
      if (!o || string_field(*o, "device").empty()) return ack.send(error("expected {device}"));
      s.join("device:" + string_field(*o, "device"));
      ack.send(boost::json::object{{"ok", true}});
    });
    socket.on("unfollow", [](Socket& s, Message& m, Ack& ack) {
      const auto* o = object_arg(m);
      if (!o || string_field(*o, "device").empty()) return ack.send(error("expected {device}"));
      s.leave("device:" + string_field(*o, "device"));
      ack.send(boost::json::object{{"ok", true}});
    });
    // A download link for the CSV export that works without the API token (a browser cannot
    // add an Authorization header to a download): signed, short-lived, for this one export.
    socket.on("csv-link", [this](Socket&, Message& m, Ack& ack) {
      const auto* o = object_arg(m);
      if (!o) return ack.send(error("expected {device, from?, to?, limit?}"));
      std::string device = string_field(*o, "device");
      if (!registry_.find(device)) return ack.send(error("unknown device '" + device + "'"));
      int64_t to = store::bounded_time_ms(int_field(*o, "to").value_or(store::now_ms()));
      int64_t from = store::bounded_time_ms(int_field(*o, "from").value_or(to - 3600 * 1000));
      int64_t limit = std::clamp<int64_t>(int_field(*o, "limit").value_or(10000), 1, 100000);
      if (from > to) return ack.send(error("from is after to"));
      std::string target = "/api/devices/" + percent_encoded(device) +
                           "/readings?format=csv&from=" + std::to_string(from) +
                           "&to=" + std::to_string(to) + "&limit=" + std::to_string(limit);
      ack.send(boost::json::object{{"ok", true},
                                   {"url", access_.signed_link(target)},
                                   {"expires_in", config_.link_ttl.count()}});
    });
    // A device's stored commands, newest first: the device panel's list, which command-status
    // events keep current afterwards. On the query pool, like the REST page it shares.
    socket.on("commands", [this](Socket&, Message& m, Ack& ack) {
      const auto* o = object_arg(m);
      if (!o) return ack.send(error("expected {device, limit?}"));
      std::string device = string_field(*o, "device");
      if (!registry_.find(device)) return ack.send(error("unknown device '" + device + "'"));
      store::CommandQuery query;
      query.device = device;
      query.limit = std::clamp<int64_t>(int_field(*o, "limit").value_or(20), 1, 100);
      queries_->run(
          [this, device, query] {
            try {
              auto page = store_->pages().commands(query);
              return boost::json::object{{"ok", true},
                                         {"device", device},
                                         {"commands", boost::json::value_from(page.commands)}};
            } catch (const std::exception& e) {
              spdlog::error("commands of {} failed: {}", device, e.what());
              return error("the commands query failed, try again");
            }
          },
          [ack](boost::json::object result) mutable { ack.send(std::move(result)); });
    });
    // The devices past the snapshot's page, or those a search finds: in the snapshot's order.
    socket.on("find-devices", [this](Socket&, Message& m, Ack& ack) {
      const auto* o = object_arg(m);
      std::string needle = o ? string_field(*o, "q") : "";
      int64_t offset =
          o ? std::clamp<int64_t>(int_field(*o, "offset").value_or(0), 0, int64_t{1} << 40) : 0;
      int64_t limit = o ? std::clamp<int64_t>(int_field(*o, "limit").value_or(50), 1, 500) : 50;
      boost::json::array found;
      int64_t total = 0;
      for (const LiveDevice* d : registry_.by_recency()) {
        if (!device_matches(*d, needle)) continue;
        if (total >= offset && total < offset + limit) found.push_back(registry_.to_json(*d));
        ++total;
      }
      boost::json::value next = nullptr;
      if (offset + limit < total) next = offset + limit;
      ack.send(boost::json::object{{"ok", true},
                                   {"devices", std::move(found)},
                                   {"total", total},
                                   {"next_offset", std::move(next)}});
    });
    socket.on("device-counts", [this](Socket&, Message&, Ack& ack) {
      ack.send(boost::json::object{
          {"ok", true}, {"devices", registry_.size()}, {"online", registry_.online_count()}});
    });
    socket.on("devices", [this](Socket&, Message&, Ack& ack) {
      ack.send(boost::json::object{{"ok", true}, {"devices", registry_.all_json()}});
    });
    socket.on("alerts", [this](Socket&, Message& m, Ack& ack) {
      int64_t limit = 50;
      if (const auto* o = object_arg(m))
        limit = std::clamp<int64_t>(int_field(*o, "limit").value_or(50), 1, 1000);
      ack.send(boost::json::object{
          {"ok", true},
          {"alerts", boost::json::value_from(store_->reader().recent_alerts(limit))}});
    });
  });
}

void Hub::setup_chat_namespace() {
  auto& chat = io_server_->of("/chat");
  // Who speaks. With a dashboard token, whoever holds it, under [auth] chat_name: the name a
  // client asks for counts for nothing. Without one (the open course set-up), the name it asks
  // for, but never one a TCP chat user has now: a web user cannot speak as them.
  chat.use([this](Socket& socket, socketio::Next next) {
    if (access_.dashboard_locked()) {
      if (!access_.dashboard_allowed(socket.auth()))
        return next(
            socketio::ConnectError{"unauthorized: bad or missing dashboard token", nullptr});
      socket.data()["name"] = config_.dashboard_chat_name;
      return next(std::nullopt);
    }
    std::string name = "anonymous";
    if (auto it = socket.auth().find("name");
        it != socket.auth().end() && it->value().is_string()) {
      std::string wanted(it->value().as_string());
      if (clean_text(wanted, 32)) name = wanted;
    }
    for (const auto& user : chat_->users()) {
      if (iequals_ascii(user.name, name)) {
        return next(socketio::ConnectError{
            "the name '" + name + "' belongs to a TCP chat user now: pick another", nullptr});
      }
    }
    socket.data()["name"] = name;
    next(std::nullopt);
  });
  chat.on_connection([this, &chat](Socket& socket) {
    std::string name(socket.data()["name"].as_string());
    socket.emit("name", boost::json::object{{"name", name}, {"fixed", access_.dashboard_locked()}});
    socket.emit("history", boost::json::value_from(store_->reader().recent_chat(50)));
    socket.on("message", [this, &chat](Socket& s, Message& m, Ack& ack) {
      std::string text(m.string_at(0));
      std::string user(s.data()["name"].as_string());
      if (!clean_text(text, 1000)) {
        if (ack) ack.send(error("a message is 1-1000 characters without control characters"));
        return;
      }
      // Announced when it first speaks, not when a dashboard opens: watching is not joining.
      if (!s.data().contains("speaking")) {
        s.data()["speaking"] = true;
        if (++web_chat_speakers_[user] == 1) {
          std::string joined = chat_->templates().joined_text(user);
          chat.emit("system", joined);
          chat_->deliver(joined);
          relay_chat_line(joined);
        }
      }
      int64_t now = store::now_ms();
      // Relayed and acknowledged once stored, so {ok: true} means it is in the history.
      auto submitted = store_->writer().submit(
          store::InsertChat{
              .ts = now, .user = user, .text = text, .origin = store::ChatOrigin::web},
          on_io([this, &chat, ack, now, user, text](const store::WriteResult& r) mutable {
            if (!r.ok()) {
              if (ack) ack.send(error("the message could not be stored: " + r.error));
              return;
            }
            chat.emit("message",
                      boost::json::object{
                          {"ts", now}, {"user", user}, {"text", text}, {"origin", "web"}});
            chat_->deliver(user + ": " + text);
            relay_chat_line(user + ": " + text);
            if (ack) ack.send(boost::json::object{{"ok", true}});
          }));
      if (submitted != store::SubmitResult::accepted && ack) ack.send(error("busy, try again"));
    });
    socket.on_disconnect([this, &chat](Socket& s, std::string_view) {
      if (!s.data().contains("speaking")) return;
      std::string user(s.data()["name"].as_string());
      auto it = web_chat_speakers_.find(user);
      if (it == web_chat_speakers_.end() || --it->second > 0) return;
      web_chat_speakers_.erase(it);
      std::string left = chat_->templates().left_text(user);
      chat.emit("system", left);
      chat_->deliver(left);
      relay_chat_line(left);
    });
  });
}

}  // namespace soket::hub
