#include "soket/cluster/redis_url.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace soket::cluster {
namespace {

std::optional<RedisUrl> fail(std::string* error, std::string message) {
  if (error) *error = "invalid redis URL: " + std::move(message);
  return std::nullopt;
}

}  // namespace

std::optional<RedisUrl> RedisUrl::parse(std::string_view text, std::string* error) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return fail(error, "expected redis://[[user]:password@]host[:port][/db]");
  const boost::urls::url_view& url = *parsed;
  if (url.scheme() == "rediss") return fail(error, "TLS (rediss://) is not supported");
  if (url.scheme() != "redis") return fail(error, "the scheme must be redis://");
  if (url.has_query() || url.has_fragment()) return fail(error, "no query or fragment allowed");

  RedisUrl out;
  switch (url.host_type()) {
    case boost::urls::host_type::name:
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      out.host = url.host_address();
      break;
    default:
      return fail(error, "no host");
  }
  if (out.host.empty()) return fail(error, "no host");
  if (url.has_port()) {
    auto port = url.port();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return fail(error, "bad port '" + std::string(port) + "'");
    out.port = static_cast<uint16_t>(value);
  }
  if (url.has_userinfo()) {
    out.username = url.user();
    // redis://secret@host would be a user name alone, which Redis cannot authenticate.
    if (!url.has_password())
      return fail(error, "a user name needs a password (redis://:pass@host)");
    out.password = url.password();
    if (out.password.empty()) return fail(error, "empty password");
  }
  std::string_view path = url.encoded_path();
  if (!path.empty() && path != "/") {
    std::string_view digits = path.substr(1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out.db);
    if (path[0] != '/' || ec != std::errc() || end != digits.data() + digits.size() || out.db < 0)
      return fail(error, "the path must be a database number, not '" + std::string(path) + "'");
  }
  return out;
}

std::string RedisUrl::to_string_redacted() const {
  std::string out = "redis://";
  if (!password.empty()) out += username + ":***@";
  if (host.find(':') != std::string::npos)
    out += "[" + host + "]";
  else
    out += host;
  out += ":" + std::to_string(port);
  if (db != 0) out += "/" + std::to_string(db);
  return out;
}

}  // namespace soket::cluster
