#include "soket/http/target.hpp"

#include <boost/url/parse.hpp>

namespace soket::http {

std::optional<Target> parse_target(std::string_view text) {
  auto parsed = boost::urls::parse_origin_form(text);
  if (!parsed) return std::nullopt;
  Target target;
  target.path = parsed->path();
  for (auto param : parsed->params())
    target.query.emplace(param.key, param.value);
  return target;
}

}  // namespace soket::http
