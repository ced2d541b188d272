#include "soket/hub/web_assets.hpp"

#include <array>

#include "soket/http/static_asset.hpp"
#include "soket/http/target.hpp"

// Defined by the generated web_assets_data.cpp (the files of the built dashboard).
extern "C" {
extern const char soket_web_index_html[], soket_web_index_html_end[];
extern const char soket_web_app_js[], soket_web_app_js_end[];
extern const char soket_web_app_css[], soket_web_app_css_end[];
}

namespace soket::hub {
namespace {

struct WebFile {
  std::string_view path;
  http::StaticAsset asset;
};

const std::array<WebFile, 3>& web_files() {
  auto view = [](const char* begin, const char* end) {
    return std::string_view(begin, static_cast<std::size_t>(end - begin));
  };
  static const std::array<WebFile, 3> files = {
      WebFile{"/", http::make_static_asset("text/html; charset=utf-8",
                                           view(soket_web_index_html, soket_web_index_html_end))},
      WebFile{"/app.js", http::make_static_asset("text/javascript; charset=utf-8",
                                                 view(soket_web_app_js, soket_web_app_js_end))},
      WebFile{"/app.css", http::make_static_asset("text/css; charset=utf-8",
                                                  view(soket_web_app_css, soket_web_app_css_end))},
  };
  return files;
}

}  // namespace

void serve_web_asset(const http::ExchangePtr& exchange) {
  const auto& req = exchange->request();
  if (req.method() != http::Verb::get && req.method() != http::Verb::head) {
    return exchange->respond(
        http::json_error(req, http::Status::method_not_allowed, 405, "Method not allowed"));
  }
  auto target = http::parse_target(std::string_view(req.target()));
  std::string path = target ? target->path : "";
  if (path == "/index.html") path = "/";
  for (const auto& file : web_files()) {
    if (file.path == path) return exchange->respond(http::asset_response(req, file.asset));
  }
  exchange->respond(http::json_error(req, http::Status::not_found, 404, "Not found"));
}

}  // namespace soket::hub
