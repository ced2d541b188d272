#include "soket/socketio/parent_namespace.hpp"

#include <algorithm>

#include "soket/socketio/namespace.hpp"

namespace soket::socketio {

void ParentNamespace::use(Middleware middleware) {
  for (auto* child : children_)
    child->use(middleware);
  middlewares_.push_back(std::move(middleware));
}

void ParentNamespace::on_connection(ConnectionHandler handler) {
  for (auto* child : children_)
    child->on_connection(handler);
  on_connection_.push_back(std::move(handler));
}

void ParentNamespace::emit_message(std::string_view event, const Message& message) {
  for (auto* child : children_)
    child->emit_message(event, message);
}

void ParentNamespace::adopt(Namespace& child) {
  for (const auto& middleware : middlewares_)
    child.use(middleware);
  for (const auto& handler : on_connection_)
    child.on_connection(handler);
  children_.push_back(&child);
}

void ParentNamespace::forget(Namespace& child) {
  std::erase(children_, &child);
}

}  // namespace soket::socketio
