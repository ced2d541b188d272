#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "soket/socketio/types.hpp"

namespace soket::socketio {

class Namespace;

/// Decides whether a namespace nobody created may exist: its name and the client's auth.
using NamespaceMatcher =
    std::function<bool(std::string_view name, const boost::json::object& auth)>;

/// Dynamic namespaces (Node's io.of(/regex/) and io.of(fn)): the first client that connects to a
/// matching name creates that namespace, a child of this parent, which gets the parent's
/// middlewares and connection handlers (those added so far and later).
class ParentNamespace {
 public:
  /// Namespaces whose names `matcher` accepts.
  explicit ParentNamespace(NamespaceMatcher matcher) : matcher_(std::move(matcher)) {}
  ParentNamespace(const ParentNamespace&) = delete;
  ParentNamespace& operator=(const ParentNamespace&) = delete;

  /// A middleware for every child namespace.
  void use(Middleware middleware);
  /// A connection handler for every child namespace.
  void on_connection(ConnectionHandler handler);

  /// The children that exist now.
  const std::vector<Namespace*>& children() const { return children_; }
  /// Emits to every socket of every child.
  void emit_message(std::string_view event, const Message& message);
  /// Emits to every socket of every child namespace.
  template <class... T>
  void emit(std::string_view event, T&&... values) {
    emit_message(event, make_message(std::forward<T>(values)...));
  }

 private:
  friend class Server;

  bool matches(std::string_view name, const boost::json::object& auth) const {
    return matcher_(name, auth);
  }
  void adopt(Namespace& child);
  void forget(Namespace& child);

  NamespaceMatcher matcher_;
  std::vector<Middleware> middlewares_;
  std::vector<ConnectionHandler> on_connection_;
  std::vector<Namespace*> children_;
};

}  // namespace soket::socketio
