#include <gtest/gtest.h>

#include <sstream>

#include "soket/http/response_head.hpp"

using soket::http::append_response_head;
using soket::http::Field;
using soket::http::Response;
using soket::http::Status;

namespace {

// What Beast's own serializer writes for the whole message.
std::string beast_bytes(const Response& response) {
  std::ostringstream out;
  out << response;
  return out.str();
}

std::string our_bytes(const Response& response) {
  std::string out = "left alone:";
  append_response_head(response, out);
  EXPECT_EQ(out.rfind("left alone:", 0), 0u);
  return out.substr(11) + response.body();
}

}  // namespace

TEST(HttpResponseHead, SameBytesAsBeastForALongPollAnswer) {
  Response response{Status::ok, 11};
  response.set(Field::content_type, "text/plain; charset=UTF-8");
  response.body() = "42[\"msg\",\"hello\"]";
  response.prepare_payload();
  response.set(Field::server, "soket");
  EXPECT_EQ(our_bytes(response), beast_bytes(response));
  EXPECT_EQ(our_bytes(response),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: "
            "17\r\nServer: soket\r\n\r\n42[\"msg\",\"hello\"]");
}

TEST(HttpResponseHead, SameBytesAsBeastForOtherStatusesVersionsAndFields) {
  Response not_found{Status::not_found, 10};
  not_found.set(Field::content_type, "application/json");
  not_found.keep_alive(false);
  not_found.body() = R"({"code":404,"message":"Not found"})";
  not_found.prepare_payload();
  EXPECT_EQ(our_bytes(not_found), beast_bytes(not_found));
  EXPECT_EQ(our_bytes(not_found).rfind("HTTP/1.0 404 Not Found\r\n", 0), 0u);

  // A custom reason, a field Beast does not know, repeated fields, an empty body.
  Response custom{Status::service_unavailable, 11};
  custom.reason("Try Later");
  custom.insert("X-Soket-Node", "n1");
  custom.insert(Field::set_cookie, "io=abc; Path=/");
  custom.insert(Field::set_cookie, "lb=1; Path=/");
  custom.prepare_payload();
  EXPECT_EQ(our_bytes(custom), beast_bytes(custom));
  EXPECT_NE(our_bytes(custom).find("HTTP/1.1 503 Try Later\r\n"), std::string::npos);

  // A status code Beast has no name for.
  Response unknown{static_cast<Status>(299), 11};
  unknown.prepare_payload();
  EXPECT_EQ(our_bytes(unknown), beast_bytes(unknown));
}
