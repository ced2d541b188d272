#include "soket/http/static_dir.hpp"

#include <fstream>
#include <sstream>

#include "soket/http/static_asset.hpp"
#include "soket/http/target.hpp"

namespace soket::http {

void serve_file_from(const std::filesystem::path& root, const ExchangePtr& exchange,
                     std::string_view mount) {
  const auto& req = exchange->request();
  if (req.method() != Verb::get && req.method() != Verb::head)
    return exchange->respond(
        json_error(req, Status::method_not_allowed, 405, "Method not allowed"));
  auto target = parse_target(std::string_view(req.target()));
  if (!target) return exchange->respond(json_error(req, Status::bad_request, 400, "Bad request"));
  std::string relative = target->path;
  // A NUL would end the name the system sees ("index.html%00.txt" is index.html, sent as text).
  if (relative.find('\0') != std::string::npos)
    return exchange->respond(json_error(req, Status::bad_request, 400, "Bad request"));
  if (!mount.empty()) {
    if (!relative.starts_with(mount) ||
        (relative.size() > mount.size() && relative[mount.size()] != '/'))
      return exchange->respond(json_error(req, Status::not_found, 404, "Not found"));
    relative.erase(0, mount.size());
  }
  if (relative.empty() || relative.back() == '/') relative += "index.html";
  std::error_code ec;
  auto base = std::filesystem::weakly_canonical(root, ec);
  auto file = std::filesystem::weakly_canonical(base / relative.substr(1), ec);
  auto [end, _] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (ec || end != base.end() || !std::filesystem::is_regular_file(file, ec)) {
    return exchange->respond(json_error(req, Status::not_found, 404, "Not found"));
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string data = buffer.str();
  auto asset = make_static_asset(content_type_for(file.string()), data);
  exchange->respond(asset_response(req, asset));
}

}  // namespace soket::http
