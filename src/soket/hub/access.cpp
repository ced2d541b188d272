#include "soket/hub/access.hpp"

#include <boost/json/serialize.hpp>

#include "soket/http/authorization.hpp"
#include "soket/util/constant_time.hpp"

namespace soket::hub {

namespace {

int64_t now_unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http::Response refusal(const http::Request& req, http::Status status, std::string_view code,
                       std::string_view message) {
  boost::json::object body{{"error", boost::json::object{{"code", code}, {"message", message}}}};
  auto res = http::json_response(req, status, boost::json::serialize(body));
  if (status == http::Status::unauthorized) res.set(http::Field::www_authenticate, "Bearer");
  return res;
}

}  // namespace

Access::Access(const HubConfig& config)
    : dashboard_token_(config.dashboard_token),
      api_token_(config.api_token),
      link_ttl_(config.link_ttl) {}

bool Access::dashboard_allowed(const boost::json::object& auth) const {
  if (dashboard_token_.empty()) return true;
  auto it = auth.find("token");
  return it != auth.end() && it->value().is_string() &&
         util::constant_time_equal(it->value().as_string(), dashboard_token_);
}

std::optional<http::Response> Access::api_refusal(const http::Request& req) const {
  if (api_token_.empty()) return std::nullopt;
  if (auto it = req.find(http::Field::authorization); it != req.end()) {
    auto token = http::bearer_token(std::string_view(it->value()));
    if (token && util::constant_time_equal(*token, api_token_)) return std::nullopt;
    return refusal(req, http::Status::unauthorized, "unauthorized",
                   "send Authorization: Bearer <api token>");
  }
  bool read = req.method() == http::Verb::get || req.method() == http::Verb::head;
  switch (signer_.check(std::string_view(req.target()), now_unix_s())) {
    case LinkSigner::Check::valid:
      if (read) return std::nullopt;
      return refusal(req, http::Status::forbidden, "bad_signature",
                     "a signed link is only good for reading (GET)");
    case LinkSigner::Check::expired:
      return refusal(req, http::Status::unauthorized, "link_expired",
                     "this download link has expired: ask the dashboard for a new one");
    case LinkSigner::Check::bad_signature:
      return refusal(req, http::Status::forbidden, "bad_signature",
                     "this download link was altered or is not from this server");
    case LinkSigner::Check::unsigned_target:
      break;
  }
  return refusal(req, http::Status::unauthorized, "unauthorized",
                 "send Authorization: Bearer <api token>");
}

std::string Access::signed_link(std::string_view target) const {
  return signer_.sign(target, now_unix_s() + link_ttl_.count());
}

}  // namespace soket::hub
