#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "soket/gateway/chat_templates.hpp"
#include "soket/gateway/line_connection.hpp"
#include "soket/gateway/line_server.hpp"
#include "soket/net/asio.hpp"
#include "soket/util/log_throttle.hpp"

namespace soket::gateway {

/// Line endings the chat server appends to what it sends.
enum class ChatLineEnding {
  /// None: exactly the course server's bytes ("user?", "<name> Telah bergabung ...").
  none,
  /// Per user, the ending the user's name arrived with: none when it came without a newline (the
  /// course client), "\n" (nc) or "\r\n" (telnet) otherwise, so line-based terminals get lines.
  auto_detect,
  lf,    ///< "\n" after every line
  crlf,  ///< "\r\n" after every line
};

/// Settings of the TCP chat server.
struct ChatServerOptions {
  /// Framing and write queue as for devices; an idle timeout of an hour (a user who lurks stays:
  /// the TCP acknowledgements of keep-alive probes count as heard) and no grace after the peer
  /// closes.
  LineOptions line = chat_line_defaults();
  /// Connections beyond these, in all or from one address, get ChatTemplates::full and are
  /// closed; 0 = no limit.
  std::size_t max_connections = 1000;
  /// Connections at once from one address; 0 = no limit.
  std::size_t max_connections_per_address = 50;
  /// A connection that has not given a valid user name this long after it opened gets
  /// ChatTemplates::name_timeout and is closed; 0 = never.
  std::chrono::milliseconds name_timeout{60000};
  std::size_t max_name_length = 32;  ///< bytes
  /// Invalid names (empty, too long, control characters) allowed before disconnecting.
  int max_name_attempts = 3;
  /// What the server appends to the lines it sends.
  ChatLineEnding line_ending = ChatLineEnding::auto_detect;
  /// What the server says (prompt, join and leave lines, notices).
  ChatTemplates text;

  /// The LineOptions of the chat: a one-hour idle timeout and no grace after the peer closes.
  static LineOptions chat_line_defaults() {
    LineOptions line;
    line.idle_timeout = std::chrono::hours(1);
    line.eof_grace = std::chrono::milliseconds(0);
    return line;
  }
};

/// A user who gave a valid name.
struct ChatUser {
  uint64_t id = 0;            ///< the connection's id
  std::string name;           ///< the user name, trimmed
  net::tcp::endpoint remote;  ///< the user's address and port
};

/// The course's TCP chat (protocol only). On connect the server sends the prompt (`user?`, no
/// newline); the first message — framed like device messages, by newline or idle gap — is the user
/// name (spaces and tabs around it are trimmed). The server then sends `<name> Telah bergabung ke
/// dalam chat !` to every user, the newcomer included, and then `Kamu telah terhubung !` to the
/// newcomer — the course server's order. Each later message is relayed unchanged to every user, the
/// sender included; when a user leaves or the connection drops, the others get `<name> telah
/// meninggalkan room chat !`. Blank messages are ignored; messages with control characters or
/// invalid UTF-8, and over-long ones, are not relayed: the sender gets a notice. Names need not be
/// unique (as in the course).
///
/// Single-threaded: construct, call and destroy it on the io_context's thread. Handlers may call
/// deliver().
class ChatServer final : private LineServer::Events {
 public:
  /// What the chat tells its owner (the hub, to bridge the web chat).
  struct Handlers {
    /// A user gave a valid name and was announced.
    std::function<void(const ChatUser&)> on_join;
    /// After the message was relayed to the TCP users.
    std::function<void(const ChatUser&, std::string_view text)> on_message;
    /// A joined user left or dropped.
    std::function<void(const ChatUser&)> on_leave;
  };

  /// A chat server on `io`; nothing is bound before listen().
  ChatServer(net::asio::io_context& io, ChatServerOptions options, Handlers handlers);
  ~ChatServer() = default;

  /// Binds and listens; throws boost::system::system_error when the endpoint cannot be bound.
  /// With `tls`, chat clients connect with TLS.
  void listen(const net::tcp::endpoint& endpoint, net::TlsContextPtr tls = nullptr) {
    server_.listen(endpoint, std::move(tls));
  }
  /// Starts accepting connections.
  void start() { server_.start(); }
  /// Stops accepting and drops every connection (on_leave for each joined user).
  void stop() {
    name_sweep_.cancel();
    server_.stop();
  }

  /// The bound address and port.
  net::tcp::endpoint local_endpoint() const { return server_.local_endpoint(); }
  /// The bound port (useful after listening on port 0).
  uint16_t port() const { return local_endpoint().port(); }

  /// Sends `text` (from elsewhere, e.g. a web chat user, already formatted by the caller) to every
  /// joined TCP user, with each user's line ending.
  void deliver(std::string_view text);
  /// How many users have joined.
  std::size_t user_count() const;
  /// The joined users.
  std::vector<ChatUser> users() const;
  /// What the server says.
  const ChatTemplates& templates() const { return options_.text; }

  /// What the limits turned away, since the server started.
  struct Stats {
    uint64_t refused = 0;              ///< connections refused: max_connections reached
    uint64_t refused_per_address = 0;  ///< refused: max_connections_per_address reached
    uint64_t over_rate = 0;            ///< messages dropped: over lines_per_second
    uint64_t name_timeouts = 0;        ///< closed: no user name within name_timeout
    uint64_t idle_timeouts = 0;        ///< closed: LineOptions::idle_timeout
  };
  /// The counters of the limits, now.
  Stats stats() const;

 private:
  struct Member {
    LineConnectionPtr conn;
    std::optional<ChatUser> user;  // set once joined
    std::string_view ending;       // appended to what this member receives
    int failed_names = 0;
    std::chrono::steady_clock::time_point opened{};
    bool timed_out = false;  // closed for not giving a name in time
  };

  void on_open(const LineConnectionPtr& conn) override;
  void on_line(const LineConnectionPtr& conn, std::string_view text, LineEnd end) override;
  void on_line_too_long(const LineConnectionPtr& conn) override;
  void on_line_over_rate(const LineConnectionPtr& conn) override;
  /// Closes the connections that did not give a name within name_timeout; runs while some wait.
  void arm_name_sweep();
  void sweep_names();
  void on_close(const LineConnectionPtr& conn, CloseReason reason) override;

  void take_name(Member& member, std::string_view text, LineEnd end);
  void refuse_name(Member& member, const std::string& notice);
  void send_to(Member& member, std::string_view text);
  /// To every joined member; one shared buffer per distinct line ending.
  void broadcast(std::string_view text);
  std::string_view ending_for(LineEnd end) const;

  ChatServerOptions options_;
  Handlers handlers_;
  std::map<uint64_t, Member> members_;
  net::asio::steady_timer name_sweep_;
  bool name_sweep_armed_ = false;
  uint64_t over_rate_ = 0;
  uint64_t name_timeouts_ = 0;
  LogThrottle rate_log_;
  LogThrottle name_timeout_log_;
  LineServer server_;  // last: destroyed first, while the members and handlers still exist
};

}  // namespace soket::gateway
