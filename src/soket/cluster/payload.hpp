#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "soket/util/msgpack.hpp"

namespace soket::cluster {

/// A message read from Redis: JSON when it starts with '{' (as the reference decides), msgpack
/// otherwise. nullopt for anything malformed, after a warning naming `channel`.
std::optional<msgpack::Document> parse_payload(std::string_view channel, std::string_view payload);

/// JSON when there is no binary (as the reference writes most requests), msgpack otherwise.
std::string encode_payload(const boost::json::value& body,
                           const std::vector<SharedBytes>& attachments);

}  // namespace soket::cluster
