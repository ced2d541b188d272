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
/// An HTTP request with its whole body in a string (Beast).
using Request = bhttp::request<bhttp::string_body>;
/// An HTTP response with its whole body in a string (Beast).
using Response = bhttp::response<bhttp::string_body>;
/// An HTTP status code (Beast's enum).
using Status = bhttp::status;
/// A known header field name (Beast's enum).
using Field = bhttp::field;
/// An HTTP method (Beast's enum).
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
