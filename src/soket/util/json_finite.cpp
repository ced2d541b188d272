#include "soket/util/json_finite.hpp"

#include "soket/util/json_text.hpp"

#include <cmath>

namespace soket::json_finite {

bool has_non_finite(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      return !std::isfinite(value.get_double());
    case boost::json::kind::array:
      for (const auto& v : value.get_array())
        if (has_non_finite(v)) return true;
      return false;
    case boost::json::kind::object:
      for (const auto& kv : value.get_object())
        if (has_non_finite(kv.value())) return true;
      return false;
    default:
      return false;
  }
}

boost::json::value non_finite_as_null(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      return std::isfinite(value.get_double()) ? value : boost::json::value(nullptr);
    case boost::json::kind::array: {
      boost::json::array out;
      out.reserve(value.get_array().size());
      for (const auto& v : value.get_array())
        out.push_back(non_finite_as_null(v));
      return out;
    }
    case boost::json::kind::object: {
      boost::json::object out;
      out.reserve(value.get_object().size());
      for (const auto& kv : value.get_object())
        out.insert_or_assign(kv.key(), non_finite_as_null(kv.value()));
      return out;
    }
    default:
      return value;
  }
}

std::string serialize(const boost::json::value& value) {
  return json_text::to_json(value);  // writes non-finite numbers as null by itself
}

}  // namespace soket::json_finite
