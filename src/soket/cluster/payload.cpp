#include "soket/cluster/payload.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "soket/util/json_finite.hpp"

namespace soket::cluster {

namespace {
constexpr std::size_t kMaxJsonDepth = 64;
}

std::optional<msgpack::Document> parse_payload(std::string_view channel, std::string_view payload) {
  if (payload.empty()) {
    spdlog::warn("redis: dropped an empty message on {}", channel);
    return std::nullopt;
  }
  if (payload.front() == '{') {
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = kMaxJsonDepth;
    auto value = boost::json::parse(payload, ec, {}, options);
    if (ec) {
      spdlog::warn("redis: dropped a malformed JSON message on {}: {}", channel, ec.message());
      return std::nullopt;
    }
    return msgpack::Document{std::move(value), {}};
  }
  try {
    return msgpack::decode(payload);
  } catch (const msgpack::Error& e) {
    spdlog::warn("redis: dropped a malformed msgpack message on {}: {}", channel, e.what());
    return std::nullopt;
  }
}

std::string encode_payload(const boost::json::value& body,
                           const std::vector<SharedBytes>& attachments) {
  if (attachments.empty()) return json_finite::serialize(body);
  return msgpack::encode(body, attachments);
}

}  // namespace soket::cluster
