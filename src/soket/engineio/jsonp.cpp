#include "soket/engineio/jsonp.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "soket/http/target.hpp"

namespace soket::engineio {
namespace {

// Replaces every `from` in `text` with `to`, left to right.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0;;) {
    auto hit = text.find(from, pos);
    if (hit == std::string_view::npos) {
      out += text.substr(pos);
      return out;
    }
    out += text.substr(pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
}

}  // namespace

std::string jsonp_index(std::string_view j) {
  std::string digits;
  for (char c : j)
    if (c >= '0' && c <= '9') digits += c;
  return digits;
}

std::string jsonp_wrap(std::string_view index, std::string_view payload) {
  // A JavaScript string literal: JSON, plus U+2028 and U+2029, which JSON allows raw but older
  // JavaScript engines do not.
  std::string js = boost::json::serialize(boost::json::string(payload));
  js = replace_all(replace_all(js, "\u2028", "\\u2028"), "\u2029", "\\u2029");
  std::string out = "___eio[";
  out += index;
  out += "](";
  out += js;
  out += ");";
  return out;
}

std::optional<std::string> jsonp_post_payload(std::string_view form_body) {
  std::string target = "/?";
  target += form_body;
  auto form = http::parse_target(target);
  if (!form) return std::nullopt;
  const std::string* d = form->param("d");
  if (!d) return std::nullopt;
  // As the reference: a lone "\n" is a newline, "\\n" is kept, then "\\n" becomes "\n".
  std::string restored;
  restored.reserve(d->size());
  for (std::size_t i = 0; i < d->size();) {
    std::string_view rest = std::string_view(*d).substr(i);
    if (rest.starts_with("\\\\n")) {
      restored += "\\\\n";
      i += 3;
    } else if (rest.starts_with("\\n")) {
      restored += '\n';
      i += 2;
    } else {
      restored += rest.front();
      ++i;
    }
  }
  return replace_all(restored, "\\\\n", "\\n");
}

}  // namespace soket::engineio
