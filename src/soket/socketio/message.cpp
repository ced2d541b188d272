#include "soket/socketio/message.hpp"

#include <boost/json/object.hpp>

#include "soket/socketio/packet.hpp"

namespace soket::socketio {

boost::json::value Message::add_binary(SharedBytes bytes) {
  boost::json::object placeholder;
  placeholder["_placeholder"] = true;
  placeholder["num"] = attachments.size();
  attachments.push_back(std::move(bytes));
  return placeholder;
}

const std::string* Message::binary(const boost::json::value& value) const {
  if (!is_placeholder(value, attachments.size())) return nullptr;
  return attachments[value.as_object().at("num").to_number<std::size_t>()].get();
}

std::string_view Message::string_at(std::size_t i) const {
  if (i >= args.size() || !args[i].is_string()) return {};
  const auto& s = args[i].get_string();
  return {s.data(), s.size()};
}

}  // namespace soket::socketio
