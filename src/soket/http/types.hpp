#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "soket/net/asio.hpp"

namespace soket::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
using Status = bhttp::status;
using Field = bhttp::field;
using Verb = bhttp::verb;

/// Header lines to add to a response, in order (names may repeat, as Set-Cookie does).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// A response with a JSON body; keep-alive and version follow `req`.
Response json_response(const Request& req, Status status, std::string body);

/// A JSON error response: {"code": code, "message": message} (the shape Engine.IO and the REST API
/// use for every bad request).
Response json_error(const Request& req, Status status, int code, std::string_view message);

/// A plain response with the given content type.
Response text_response(const Request& req, Status status, std::string body,
                       std::string_view content_type = "text/plain; charset=UTF-8");

}  // namespace soket::http
