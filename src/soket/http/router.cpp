#include "soket/http/router.hpp"

namespace soket::http {

void Router::add(std::string path, Handler handler) {
  routes_.push_back({std::move(path), false, std::move(handler)});
}

void Router::add_prefix(std::string prefix, Handler handler) {
  routes_.push_back({std::move(prefix), true, std::move(handler)});
}

const Handler* Router::find(std::string_view path) const {
  const Route* best = nullptr;
  for (const auto& route : routes_) {
    if (!route.prefix) {
      if (route.path == path) return &route.handler;
    } else if (path.starts_with(route.path) && (!best || route.path.size() > best->path.size())) {
      best = &route;
    }
  }
  return best ? &best->handler : nullptr;
}

}  // namespace soket::http
