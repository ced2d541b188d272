#include "soket/gateway/chat_templates.hpp"

namespace soket::gateway {

std::string ChatTemplates::fill(std::string_view tmpl, std::string_view name, std::size_t max) {
  std::string out;
  out.reserve(tmpl.size() + name.size());
  while (!tmpl.empty()) {
    if (tmpl.starts_with("{name}")) {
      out.append(name);
      tmpl.remove_prefix(6);
    } else if (tmpl.starts_with("{max}")) {
      out.append(std::to_string(max));
      tmpl.remove_prefix(5);
    } else {
      out.push_back(tmpl.front());
      tmpl.remove_prefix(1);
    }
  }
  return out;
}

}  // namespace soket::gateway
