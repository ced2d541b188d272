#include "soket/gateway/chat_server.hpp"

#include <algorithm>
#include <array>

#include "soket/gateway/text_check.hpp"
#include "soket/util/bytes.hpp"
#include "soket/util/log.hpp"

namespace soket::gateway {

ChatServer::ChatServer(net::asio::io_context& io, ChatServerOptions options, Handlers handlers)
    : options_(std::move(options)),
      handlers_(std::move(handlers)),
      name_sweep_(io),
      server_(io, options_.line,
              net::ConnectionLimits{options_.max_connections, options_.max_connections_per_address},
              options_.text.full + "\n", "chat", *this) {}

ChatServer::Stats ChatServer::stats() const {
  auto refused = server_.refused_stats();
  Stats stats;
  stats.refused = refused.refused_total;
  stats.refused_per_address = refused.refused_per_address;
  stats.over_rate = over_rate_;
  stats.name_timeouts = name_timeouts_;
  stats.idle_timeouts = server_.idle_timeout_count();
  return stats;
}

std::string_view ChatServer::ending_for(LineEnd end) const {
  switch (options_.line_ending) {
    case ChatLineEnding::none:
      return "";
    case ChatLineEnding::lf:
      return "\n";
    case ChatLineEnding::crlf:
      return "\r\n";
    case ChatLineEnding::auto_detect:
      break;
  }
  switch (end) {
    case LineEnd::lf:
      return "\n";
    case LineEnd::crlf:
      return "\r\n";
    case LineEnd::idle:
      break;
  }
  return "";
}

void ChatServer::on_open(const LineConnectionPtr& conn) {
  spdlog::debug("chat connection {} from {}", conn->id(), conn->remote_string());
  Member& member = members_[conn->id()];
  member.conn = conn;
  member.opened = std::chrono::steady_clock::now();
  arm_name_sweep();
  // Until the name shows how this client ends lines, the fixed choice, or none in auto mode.
  member.ending = ending_for(LineEnd::idle);
  // The prompt never gets a line ending in auto mode: the course client compares it exactly.
  send_to(member, options_.text.prompt);
}

void ChatServer::on_line(const LineConnectionPtr& conn, std::string_view text, LineEnd end) {
  auto it = members_.find(conn->id());
  if (it == members_.end()) return;
  Member& member = it->second;
  if (!member.user) {
    take_name(member, text, end);
    return;
  }
  if (trim_blanks(text).empty()) return;
  if (text_problem(text)) {
    send_to(member, options_.text.text_invalid);
    return;
  }
  ChatUser user = *member.user;  // the handler may deliver(); keep our own copy
  broadcast(text);
  if (handlers_.on_message) handlers_.on_message(user, text);
}

void ChatServer::take_name(Member& member, std::string_view text, LineEnd end) {
  member.ending = ending_for(end);
  std::string_view name = trim_blanks(text);
  const auto& t = options_.text;
  if (name.empty()) return refuse_name(member, t.name_empty);
  if (name.size() > options_.max_name_length) {
    return refuse_name(member, ChatTemplates::fill(t.name_too_long, "", options_.max_name_length));
  }
  if (text_problem(name)) return refuse_name(member, t.name_invalid);

  member.user = ChatUser{member.conn->id(), std::string(name), member.conn->remote()};
  ChatUser user = *member.user;
  spdlog::info("chat user '{}' joined from {}", user.name, member.conn->remote_string());
  broadcast(t.joined_text(user.name));  // the newcomer is already a member: it gets this too
  send_to(member, t.welcome);
  if (handlers_.on_join) handlers_.on_join(user);
}

void ChatServer::refuse_name(Member& member, const std::string& notice) {
  send_to(member, notice);
  if (++member.failed_names >= options_.max_name_attempts) {
    send_to(member, options_.text.too_many_attempts);
    member.conn->close();
    return;
  }
  send_to(member, options_.text.prompt);
}

void ChatServer::on_line_too_long(const LineConnectionPtr& conn) {
  auto it = members_.find(conn->id());
  if (it == members_.end()) return;
  Member& member = it->second;
  if (!member.user) {
    refuse_name(member,
                ChatTemplates::fill(options_.text.name_too_long, "", options_.max_name_length));
    return;
  }
  send_to(member,
          ChatTemplates::fill(options_.text.line_too_long, "", options_.line.max_line_length));
}

void ChatServer::on_line_over_rate(const LineConnectionPtr& conn) {
  ++over_rate_;
  if (uint64_t count = rate_log_.ready()) {
    spdlog::warn(
        "chat: dropped {} message(s) since the last such line, over the limit of {} a "
        "second per connection (the last from {})",
        count, options_.line.lines_per_second, conn->remote_string());
  }
  auto it = members_.find(conn->id());
  if (it == members_.end()) return;
  send_to(it->second,
          ChatTemplates::fill(options_.text.too_fast, "",
                              static_cast<std::size_t>(options_.line.lines_per_second)));
}

void ChatServer::arm_name_sweep() {
  if (name_sweep_armed_ || options_.name_timeout.count() <= 0) return;
  name_sweep_armed_ = true;
  // A quarter of the timeout, at most a second: a connection goes at most that late.
  auto step =
      std::min<std::chrono::milliseconds>(options_.name_timeout / 4, std::chrono::seconds(1));
  name_sweep_.expires_after(std::max(step, std::chrono::milliseconds(10)));
  name_sweep_.async_wait([this](net::error_code ec) {
    if (ec) return;  // cancelled: the server may be gone
    name_sweep_armed_ = false;
    sweep_names();
  });
}

void ChatServer::sweep_names() {
  auto now = std::chrono::steady_clock::now();
  std::vector<LineConnectionPtr> late;
  bool waiting = false;
  for (auto& [id, member] : members_) {
    if (member.user || member.timed_out) continue;
    if (now - member.opened >= options_.name_timeout) {
      member.timed_out = true;
      late.push_back(member.conn);
    } else {
      waiting = true;
    }
  }
  for (auto& conn : late) {
    ++name_timeouts_;
    if (uint64_t count = name_timeout_log_.ready()) {
      spdlog::warn(
          "chat: closed {} connection(s) since the last such line that gave no user name "
          "within {} ms (the last from {})",
          count, options_.name_timeout.count(), conn->remote_string());
    }
    auto it = members_.find(conn->id());
    if (it != members_.end()) send_to(it->second, options_.text.name_timeout);
    conn->close();
  }
  if (waiting) arm_name_sweep();
}

void ChatServer::on_close(const LineConnectionPtr& conn, CloseReason reason) {
  auto it = members_.find(conn->id());
  if (it == members_.end()) return;
  std::optional<ChatUser> user = std::move(it->second.user);
  members_.erase(it);
  spdlog::debug("chat connection {} ended: {}", conn->id(), to_string(reason));
  if (!user) return;
  spdlog::info("chat user '{}' left", user->name);
  broadcast(options_.text.left_text(user->name));
  if (handlers_.on_leave) handlers_.on_leave(*user);
}

void ChatServer::deliver(std::string_view text) {
  broadcast(text);
}

std::size_t ChatServer::user_count() const {
  std::size_t count = 0;
  for (const auto& [id, member] : members_)
    count += member.user ? 1 : 0;
  return count;
}

std::vector<ChatUser> ChatServer::users() const {
  std::vector<ChatUser> out;
  for (const auto& [id, member] : members_) {
    if (member.user) out.push_back(*member.user);
  }
  return out;
}

void ChatServer::send_to(Member& member, std::string_view text) {
  std::string bytes;
  bytes.reserve(text.size() + member.ending.size());
  bytes.append(text);
  bytes.append(member.ending);
  member.conn->send_bytes(make_shared_bytes(std::move(bytes)));
}

void ChatServer::broadcast(std::string_view text) {
  // At most one buffer per ending ("", "\n", "\r\n"), shared by every receiver using it.
  std::array<std::pair<std::string_view, SharedBytes>, 3> encoded{};
  std::size_t used = 0;
  std::vector<LineConnectionPtr> receivers;
  std::vector<SharedBytes> payloads;
  for (auto& [id, member] : members_) {
    if (!member.user) continue;
    SharedBytes* slot = nullptr;
    for (std::size_t i = 0; i < used; ++i) {
      if (encoded[i].first == member.ending) slot = &encoded[i].second;
    }
    if (slot == nullptr) {
      encoded[used] = {member.ending,
                       make_shared_bytes(std::string(text) + std::string(member.ending))};
      slot = &encoded[used++].second;
    }
    receivers.push_back(member.conn);
    payloads.push_back(*slot);
  }
  // Sending may drop a slow receiver, which re-enters on_close and edits members_: send after
  // the walk.
  for (std::size_t i = 0; i < receivers.size(); ++i)
    receivers[i]->send_bytes(payloads[i]);
}

}  // namespace soket::gateway
