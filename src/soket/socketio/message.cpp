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

namespace {

boost::json::value rebase(const boost::json::value& value, const std::vector<SharedBytes>& from,
                          Message& to) {
  if (is_placeholder(value, from.size()))
    return to.add_binary(from[value.as_object().at("num").to_number<std::size_t>()]);
  if (value.is_array()) {
    boost::json::array out;
    out.reserve(value.get_array().size());
    for (const auto& item : value.get_array())
      out.push_back(rebase(item, from, to));
    return out;
  }
  if (value.is_object()) {
    boost::json::object out;
    for (const auto& [key, item] : value.get_object())
      out[key] = rebase(item, from, to);
    return out;
  }
  return value;
}

}  // namespace

void Message::append_from(const boost::json::value& value, const std::vector<SharedBytes>& from) {
  if (from.empty()) {
    args.push_back(value);
    return;
  }
  args.push_back(rebase(value, from, *this));
}

std::string_view Message::string_at(std::size_t i) const {
  if (i >= args.size() || !args[i].is_string()) return {};
  const auto& s = args[i].get_string();
  return {s.data(), s.size()};
}

}  // namespace soket::socketio
