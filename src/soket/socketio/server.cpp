#include "soket/socketio/server.hpp"

#include <boost/asio/post.hpp>

#include "soket/socketio/client.hpp"
#include "soket/socketio/client_assets.hpp"

namespace soket::socketio {

namespace {
std::unique_ptr<Adapter> make_in_memory_adapter(Namespace& nsp) {
  return std::make_unique<InMemoryAdapter>(nsp);
}
}  // namespace

Server::Server(net::asio::io_context& io, ServerOptions options)
    : io_(io),
      options_(std::move(options)),
      engine_(io, options_.engine),
      adapter_factory_(options_.adapter ? options_.adapter
                                        : AdapterFactory(make_in_memory_adapter)) {
  engine_.on_connection([this](const std::shared_ptr<engineio::Socket>& connection) {
    auto client = std::make_shared<Client>(*this, connection);
    clients_.emplace(client.get(), client);
    notify([&](ServerObserver& observer) { observer.on_client_opened(*client); });
    client->start();
  });
  main();  // the main namespace always exists
}

Server::~Server() {
  close();
}

void Server::attach(http::Server& http) {
  engine_.attach(http);
  if (options_.serve_client) serve_client_assets(http, engine_.options().path);
}

Namespace& Server::of(std::string_view name) {
  std::string key(name.empty() ? "/" : name);
  if (key.front() != '/') key.insert(key.begin(), '/');
  auto it = namespaces_.find(key);
  if (it == namespaces_.end()) {
    it = namespaces_.emplace(key, std::make_unique<Namespace>(*this, key, adapter_factory_)).first;
    notify([&](ServerObserver& observer) { observer.on_namespace_created(*it->second); });
  }
  return *it->second;
}

ParentNamespace& Server::of(const std::regex& pattern) {
  return of([pattern](std::string_view name, const boost::json::object&) {
    return std::regex_match(name.begin(), name.end(), pattern);
  });
}

ParentNamespace& Server::of(NamespaceMatcher matcher) {
  parents_.push_back(std::make_unique<ParentNamespace>(std::move(matcher)));
  return *parents_.back();
}

Namespace* Server::namespace_for_connect(std::string_view name, const boost::json::object& auth) {
  if (auto* nsp = find_namespace(name)) return nsp;
  for (const auto& parent : parents_) {
    if (!parent->matches(name, auth)) continue;
    auto& child = of(name);
    parent->adopt(child);
    parent_of_[&child] = parent.get();
    return &child;
  }
  return nullptr;
}

void Server::child_emptied(Namespace& nsp) {
  if (!options_.cleanup_empty_child_namespaces || !parent_of_.contains(&nsp)) return;
  // Later: the socket that left is still unwinding through the namespace.
  boost::asio::post(io_, [this, name = nsp.name()] {
    auto it = namespaces_.find(name);
    if (it == namespaces_.end() || !it->second->empty()) return;
    auto* child = it->second.get();
    if (auto p = parent_of_.find(child); p != parent_of_.end()) {
      p->second->forget(*child);
      parent_of_.erase(p);
    }
    namespaces_.erase(it);
  });
}

Namespace* Server::find_namespace(std::string_view name) {
  auto it = namespaces_.find(name);
  return it == namespaces_.end() ? nullptr : it->second.get();
}

std::size_t Server::polling_client_count() const {
  std::size_t count = 0;
  for (const auto& [ptr, client] : clients_)
    if (client->connection().transport_name() == "polling") ++count;
  return count;
}

void Server::close() {
  notify([](ServerObserver& observer) { observer.on_server_closing(); });
  std::vector<std::shared_ptr<Client>> clients;
  for (auto& [ptr, client] : clients_)
    clients.push_back(client);
  for (auto& client : clients)
    client->close("server shutting down");
  engine_.close();
}

}  // namespace soket::socketio
