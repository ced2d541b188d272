#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "soket/http/types.hpp"
#include "soket/hub/config.hpp"
#include "soket/hub/signed_link.hpp"

namespace soket::hub {

/// Who may use what on the HTTP port ([auth] in soket.toml): the dashboard token for the
/// /dashboard and /chat namespaces, the API token (or a signed link) for the REST API. Every
/// token comparison is constant-time. With no token set, everything is open.
class Access {
 public:
  /// The tokens and link_ttl of `config`'s [auth]; signed links get a fresh random key.
  explicit Access(const HubConfig& config);

  /// Whether a dashboard token is set (/dashboard and /chat need it).
  bool dashboard_locked() const { return !dashboard_token_.empty(); }
  /// Whether an API token is set (the REST API needs it or a signed link).
  bool api_locked() const { return !api_token_.empty(); }

  /// Whether a Socket.IO handshake's auth object carries the dashboard token ({token: "..."});
  /// true when no dashboard token is set.
  bool dashboard_allowed(const boost::json::object& auth) const;

  /// nullopt when `req` may use the REST API: no API token is set, it has `Authorization: Bearer
  /// <api token>` (scheme in any case), or it is a GET of a valid signed link. Otherwise the
  /// answer: 401 `unauthorized` (no or a wrong token), 401 `link_expired`, 403 `bad_signature`
  /// (an altered link), each with a JSON error body.
  std::optional<http::Response> api_refusal(const http::Request& req) const;

  /// `target` as a signed link valid for [auth] link_ttl from now.
  std::string signed_link(std::string_view target) const;

 private:
  std::string dashboard_token_;
  std::string api_token_;
  std::chrono::seconds link_ttl_;
  LinkSigner signer_;
};

}  // namespace soket::hub
