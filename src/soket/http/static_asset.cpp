#include "soket/http/static_asset.hpp"

#include <cstdint>
#include <cstdio>

namespace soket::http {

StaticAsset make_static_asset(std::string_view content_type, std::string_view data) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: enough for a cache validator
  for (unsigned char c : data)
    h = (h ^ c) * 1099511628211ull;
  char etag[32];
  std::snprintf(etag, sizeof etag, "\"%016llx\"", static_cast<unsigned long long>(h));
  return {content_type, data, etag};
}

Response asset_response(const Request& request, const StaticAsset& asset) {
  Response res;
  res.version(request.version());
  res.keep_alive(request.keep_alive());
  res.set(Field::etag, asset.etag);
  res.set(Field::cache_control, "public, max-age=0, must-revalidate");
  if (auto it = request.find(Field::if_none_match);
      it != request.end() && it->value() == asset.etag) {
    res.result(Status::not_modified);
    return res;
  }
  res.result(Status::ok);
  res.set(Field::content_type, asset.content_type);
  if (request.method() == Verb::head) {
    res.content_length(asset.data.size());
  } else {
    res.body().assign(asset.data);
    res.prepare_payload();
  }
  return res;
}

std::string_view content_type_for(std::string_view path) {
  auto ends = [&](std::string_view ext) { return path.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=UTF-8";
  if (ends(".js") || ends(".mjs")) return "application/javascript; charset=UTF-8";
  if (ends(".map") || ends(".json")) return "application/json";
  if (ends(".css")) return "text/css; charset=UTF-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".txt")) return "text/plain; charset=UTF-8";
  return "application/octet-stream";
}

}  // namespace soket::http
