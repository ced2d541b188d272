#include "soket/admin/instrument.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/value_from.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "soket/admin/bcrypt.hpp"
#include "soket/admin/event_buffer.hpp"
#include "soket/admin/serialize.hpp"
#include "soket/socketio/client.hpp"
#include "soket/util/random_id.hpp"

namespace soket::admin {

namespace {

using socketio::Message;
using socketio::Namespace;
using socketio::Socket;

constexpr std::chrono::seconds kStatsInterval{2};

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

/// The value at args[i] as a string, or nullptr.
const boost::json::string* string_arg(const Message& message, std::size_t i) {
  return i < message.args.size() ? message.args[i].if_string() : nullptr;
}

/// The admin of one server: an observer of all its namespaces that reports to the admin namespace.
class Admin : public socketio::ServerObserver, public std::enable_shared_from_this<Admin> {
 public:
  Admin(socketio::Server& io, AdminOptions options)
      : io_(io),
        options_(std::move(options)),
        admin_(io.of(options_.namespace_name)),
        timer_(io.io()),
        server_id_(options_.server_id.empty() ? host_name() : options_.server_id),
        started_(std::chrono::steady_clock::now()) {
    if (!options_.readonly) {
      for (const char* feature :
           {"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"})
        features_.emplace_back(feature);
    }
    features_.emplace_back("AGGREGATED_EVENTS");
    if (development()) features_.emplace_back("ALL_EVENTS");
  }

  void start() {
    std::weak_ptr<Admin> weak = weak_from_this();
    if (options_.auth) {
      admin_.use([weak](Socket& socket, socketio::Next next) {
        if (auto self = weak.lock()) return self->authenticate(socket, std::move(next));
        next(socketio::ConnectError{"invalid credentials", {}});
      });
    }
    admin_.on_connection([weak](Socket& socket) {
      if (auto self = weak.lock()) self->on_admin_connected(socket);
    });
    io_.add_observer(shared_from_this());
    emit_stats();
  }

  // ServerObserver
  void on_client_opened(socketio::Client&) override { events_.push(now_ms(), "rawConnection"); }
  void on_client_closed(socketio::Client&, std::string_view reason) override {
    events_.push(now_ms(), "rawDisconnection", std::string(reason));
  }
  void on_socket_connected(Socket& socket) override {
    if (!development()) return;
    if (&socket.nsp() != &admin_) watch_events(socket);
    admin_.emit("socket_connected", serialize_socket(socket), iso_time(now_ms()));
  }
  void on_socket_disconnected(Socket& socket, std::string_view reason) override {
    if (!development()) return;
    admin_.emit("socket_disconnected", socket.nsp().name(), socket.id(), reason,
                iso_time(now_ms()));
  }
  void on_room_joined(Namespace& nsp, const socketio::Room& room,
                      const socketio::SocketId& id) override {
    if (!development()) return;
    admin_.emit("room_joined", nsp.name(), room, id, iso_time(now_ms()));
  }
  void on_room_left(Namespace& nsp, const socketio::Room& room,
                    const socketio::SocketId& id) override {
    if (!development()) return;
    // After "socket_disconnected" when the socket is leaving, as in the reference (nextTick).
    boost::asio::post(
        io_.io(), [weak = weak_from_this(), nsp = nsp.name(), room, id, time = iso_time(now_ms())] {
          if (auto self = weak.lock(); self && !self->closing_)
            self->admin_.emit("room_left", nsp, room, id, time);
        });
  }
  void on_server_closing() override {
    closing_ = true;
    timer_.cancel();
  }

 private:
  /// Whether the UI gets the live stream (not while the server shuts down).
  bool development() const { return options_.mode == Mode::development && !closing_; }

  void authenticate(Socket& socket, socketio::Next next) {
    const auto& auth = socket.auth();
    if (auto* session = auth.if_contains("sessionId"); session && session->is_string()) {
      if (sessions_.contains(std::string(session->get_string()))) return next(std::nullopt);
    }
    auto* username = auth.if_contains("username");
    auto* password = auth.if_contains("password");
    if (username && password && username->is_string() && password->is_string() &&
        username->get_string() == options_.auth->username &&
        bcrypt_matches(password->get_string(), options_.auth->password_hash)) {
      // The UI keeps the session id to reconnect without the password.
      auto session = random_id();
      sessions_.insert(session);
      new_sessions_[socket.id()] = std::move(session);
      return next(std::nullopt);
    }
    next(socketio::ConnectError{"invalid credentials", {}});
  }

  void on_admin_connected(Socket& socket) {
    if (auto it = new_sessions_.find(socket.id()); it != new_sessions_.end()) {
      socket.emit("session", it->second);
      new_sessions_.erase(it);
    }
    if (!options_.readonly) register_operations(socket);
    boost::json::object config;
    config["supportedFeatures"] = boost::json::value_from(features_);
    socket.emit("config", std::move(config));
    if (development()) socket.emit("all_sockets", all_sockets());
  }

  boost::json::array all_sockets() {
    boost::json::array sockets;
    for (const auto& [name, nsp] : io_.namespaces())
      for (const auto& [id, socket] : nsp->sockets())
        sockets.push_back(serialize_socket(*socket));
    return sockets;
  }

  /// The sockets an operation targets: the namespace args[0] (which must exist), narrowed to the
  /// room at args[filter_index] when there is one.
  std::optional<socketio::BroadcastOperator> target(const Message& message,
                                                    std::size_t filter_index) {
    auto* name = string_arg(message, 0);
    if (!name) return std::nullopt;
    auto it = io_.namespaces().find(std::string_view(*name));
    if (it == io_.namespaces().end()) return std::nullopt;
    socketio::BroadcastOperator op(*it->second);
    if (auto* filter = string_arg(message, filter_index); filter && !filter->empty())
      return op.in(std::string(*filter));
    return op;
  }

  // The UI's operations; bad arguments are ignored, as the reference's handlers do nothing useful
  // with them either.
  void register_operations(Socket& socket) {
    std::weak_ptr<Admin> weak = weak_from_this();
    socket.on("join", [weak](Socket&, Message& message, socketio::Ack&) {
      auto self = weak.lock();
      auto* room = string_arg(message, 1);
      if (!self || !room) return;
      if (auto op = self->target(message, 2)) op->sockets_join({std::string(*room)});
    });
    socket.on("leave", [weak](Socket&, Message& message, socketio::Ack&) {
      auto self = weak.lock();
      auto* room = string_arg(message, 1);
      if (!self || !room) return;
      if (auto op = self->target(message, 2)) op->sockets_leave({std::string(*room)});
    });
    socket.on("_disconnect", [weak](Socket&, Message& message, socketio::Ack&) {
      auto self = weak.lock();
      if (!self || message.args.size() < 2) return;
      bool close = message.args[1].is_bool() && message.args[1].get_bool();
      if (auto op = self->target(message, 2)) op->disconnect_sockets(close);
    });
    socket.on("emit", [weak](Socket&, Message& message, socketio::Ack&) {
      auto self = weak.lock();
      auto* event = string_arg(message, 2);
      if (!self || !event) return;
      auto op = self->target(message, 1);
      if (!op) return;
      Message out;
      for (std::size_t i = 3; i < message.args.size(); ++i)
        out.append_from(message.args[i], message.attachments);
      op->emit_message(std::string(*event), std::move(out));
    });
  }

  /// Streams the events a socket receives to the UI (development mode).
  void watch_events(Socket& socket) {
    socket.on_any([weak = weak_from_this()](Socket& s, std::string_view event, Message& message) {
      auto self = weak.lock();
      if (!self || self->closing_) return;
      Message out;
      out.args.emplace_back(s.nsp().name());
      out.args.emplace_back(s.id());
      // [event, ...args] as one array, its binaries carried along.
      auto& all = out.args.emplace_back(boost::json::array{event}).as_array();
      Message carried;
      for (const auto& value : message.args)
        carried.append_from(value, message.attachments);
      for (auto& value : carried.args)
        all.push_back(std::move(value));
      out.attachments = std::move(carried.attachments);
      out.args.emplace_back(iso_time(now_ms()));
      self->admin_.emit_message("event_received", std::move(out));
    });
  }

  void emit_stats() {
    if (closing_) return;
    boost::json::object stats;
    stats["serverId"] = server_id_;
    stats["hostname"] = host_name();
    stats["pid"] = static_cast<int64_t>(getpid());
    stats["uptime"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    stats["clientsCount"] = io_.engine().client_count();
    stats["pollingClientsCount"] = io_.polling_client_count();
    stats["aggregatedEvents"] = events_.take();
    boost::json::array namespaces;
    for (const auto& [name, nsp] : io_.namespaces()) {
      boost::json::object details;
      details["name"] = name;
      details["socketsCount"] = nsp->sockets().size();
      namespaces.push_back(std::move(details));
    }
    stats["namespaces"] = std::move(namespaces);
    admin_.emit("server_stats", std::move(stats));

    timer_.expires_after(kStatsInterval);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->emit_stats();
    });
  }

  socketio::Server& io_;
  AdminOptions options_;
  Namespace& admin_;
  boost::asio::steady_timer timer_;
  std::string server_id_;
  std::chrono::steady_clock::time_point started_;
  std::vector<std::string> features_;
  EventBuffer events_;
  std::unordered_set<std::string> sessions_;
  // Sessions made by the middleware, announced once the socket is connected.
  std::unordered_map<socketio::SocketId, std::string> new_sessions_;
  bool closing_ = false;
};

}  // namespace

void instrument(socketio::Server& io, AdminOptions options) {
  if (options.auth && !is_bcrypt_hash(options.auth->password_hash))
    throw std::invalid_argument("the admin password must be a valid bcrypt hash");
  if (options.namespace_name.empty() || options.namespace_name.front() != '/')
    options.namespace_name.insert(options.namespace_name.begin(), '/');
  auto admin = std::make_shared<Admin>(io, std::move(options));
  admin->start();
}

}  // namespace soket::admin
