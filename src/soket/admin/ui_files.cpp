#include "soket/admin/ui_files.hpp"

#include "soket/http/static_dir.hpp"

namespace soket::admin {

void serve_ui(http::Server& http, std::filesystem::path dist, std::string mount) {
  while (!mount.empty() && mount.back() == '/')
    mount.pop_back();
  http.router().add(mount, [mount](const http::ExchangePtr& exchange) {
    const auto& req = exchange->request();
    http::Response res(http::Status::moved_permanently, req.version());
    res.set(http::Field::location, mount + "/");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    exchange->respond(std::move(res));
  });
  http.router().add_prefix(mount + "/", [dist, mount](const http::ExchangePtr& exchange) {
    http::serve_file_from(dist, exchange, mount);
  });
}

}  // namespace soket::admin
