#include "soket/socketio/client_assets.hpp"

#include <memory>
#include <string>

#include "soket/http/static_asset.hpp"

// Defined by the generated client_assets_data.cpp (the files of socket.io-client/dist).
extern "C" {
extern const char soket_client_js[], soket_client_js_end[];
extern const char soket_client_js_map[], soket_client_js_map_end[];
extern const char soket_client_min_js[], soket_client_min_js_end[];
extern const char soket_client_min_js_map[], soket_client_min_js_map_end[];
extern const char soket_client_esm_min_js[], soket_client_esm_min_js_end[];
extern const char soket_client_esm_min_js_map[], soket_client_esm_min_js_map_end[];
extern const char soket_client_msgpack_min_js[], soket_client_msgpack_min_js_end[];
extern const char soket_client_msgpack_min_js_map[], soket_client_msgpack_min_js_map_end[];
}

namespace soket::socketio {

void serve_client_assets(http::Server& http, std::string_view path) {
  struct File {
    const char* name;
    const char* begin;
    const char* end;
  };
  const File files[] = {
      {"socket.io.js", soket_client_js, soket_client_js_end},
      {"socket.io.js.map", soket_client_js_map, soket_client_js_map_end},
      {"socket.io.min.js", soket_client_min_js, soket_client_min_js_end},
      {"socket.io.min.js.map", soket_client_min_js_map, soket_client_min_js_map_end},
      {"socket.io.esm.min.js", soket_client_esm_min_js, soket_client_esm_min_js_end},
      {"socket.io.esm.min.js.map", soket_client_esm_min_js_map, soket_client_esm_min_js_map_end},
      {"socket.io.msgpack.min.js", soket_client_msgpack_min_js, soket_client_msgpack_min_js_end},
      {"socket.io.msgpack.min.js.map", soket_client_msgpack_min_js_map,
       soket_client_msgpack_min_js_map_end},
  };
  for (const auto& file : files) {
    auto asset = std::make_shared<http::StaticAsset>(http::make_static_asset(
        http::content_type_for(file.name),
        std::string_view(file.begin, static_cast<std::size_t>(file.end - file.begin))));
    http.router().add(std::string(path) + file.name, [asset](const http::ExchangePtr& exchange) {
      const auto& req = exchange->request();
      if (req.method() != http::Verb::get && req.method() != http::Verb::head) {
        return exchange->respond(
            http::json_error(req, http::Status::method_not_allowed, 405, "Method not allowed"));
      }
      exchange->respond(http::asset_response(req, *asset));
    });
  }
}

}  // namespace soket::socketio
