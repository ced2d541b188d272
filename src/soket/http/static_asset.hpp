#pragma once

#include <string>
#include <string_view>

#include "soket/http/types.hpp"

namespace soket::http {

/// A file served from memory (built into the binary).
struct StaticAsset {
  std::string_view content_type;  ///< the Content-Type header, e.g. "text/html; charset=utf-8"
  std::string_view data;          ///< the file's bytes, in the binary
  std::string etag;               ///< strong validator, computed from the content
};

/// An asset of `data` (which must live as long as the asset) with its ETag computed.
StaticAsset make_static_asset(std::string_view content_type, std::string_view data);

/// GET/HEAD answer for an asset: 200 with caching headers, or 304 when If-None-Match matches.
Response asset_response(const Request& request, const StaticAsset& asset);

/// The content type for a file name, by extension.
std::string_view content_type_for(std::string_view path);

}  // namespace soket::http
