#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "soket/http/exchange.hpp"

namespace soket::http {

/// Maps request paths to handlers: exact paths first, then the longest matching prefix.
class Router {
 public:
  /// Routes requests for exactly `path` to `handler`.
  void add(std::string path, Handler handler);
  /// Routes requests for every path starting with `prefix` to `handler`.
  void add_prefix(std::string prefix, Handler handler);

  /// The handler for `path`, or nullptr when none matches.
  const Handler* find(std::string_view path) const;

 private:
  struct Route {
    std::string path;
    bool prefix;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace soket::http
