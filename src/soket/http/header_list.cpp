#include "soket/http/header_list.hpp"

#include <cstring>

namespace soket::http {
namespace {

bool is_tchar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  void skip() { ++i_; }
  void skip_space() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t'))
      ++i_;
  }
  std::string_view token() {
    std::size_t start = i_;
    while (!done() && is_tchar(s_[i_]))
      ++i_;
    return s_.substr(start, i_ - start);
  }
  // After the opening quote: the text up to the closing one, which is consumed.
  std::optional<std::string_view> quoted() {
    std::size_t start = i_;
    while (!done() && s_[i_] != '"') {
      if (s_[i_] == '\\') ++i_;  // a quoted pair: the next character is taken as it is
      if (!done()) ++i_;
    }
    if (done()) return std::nullopt;
    auto text = s_.substr(start, i_ - start);
    ++i_;
    return text;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<std::vector<HeaderElement>> parse_header_list(std::string_view value) {
  std::vector<HeaderElement> elements;
  Cursor c(value);
  for (;;) {
    c.skip_space();
    while (c.peek() == ',') {
      c.skip();
      c.skip_space();
    }
    if (c.done()) return elements;
    HeaderElement& element = elements.emplace_back();
    element.name = c.token();
    if (element.name.empty()) return std::nullopt;
    c.skip_space();
    while (c.peek() == ';') {
      c.skip();
      c.skip_space();
      auto name = c.token();
      if (name.empty()) return std::nullopt;
      c.skip_space();
      std::string_view param_value;
      if (c.peek() == '=') {
        c.skip();
        c.skip_space();
        if (c.peek() == '"') {
          c.skip();
          auto text = c.quoted();
          if (!text) return std::nullopt;
          param_value = *text;
        } else {
          param_value = c.token();
          if (param_value.empty()) return std::nullopt;
        }
        c.skip_space();
      }
      element.params.emplace_back(name, param_value);
    }
    if (!c.done() && c.peek() != ',') return std::nullopt;
  }
}

}  // namespace soket::http
