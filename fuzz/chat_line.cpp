// The course's TCP chat (port 59000): the stream framed into lines, the first one a user name
// (trimmed, checked, put into the join and leave notices), the rest messages that are relayed only
// when they are carryable text. The ChatServer class applies exactly these functions to what it
// reads; its sockets are not part of this target.
#include <string>

#include "fuzz_common.hpp"
#include "soket/gateway/chat_templates.hpp"
#include "soket/gateway/line_framer.hpp"
#include "soket/gateway/text_check.hpp"
#include "soket/util/utf8.hpp"

using namespace soket;
using namespace soket::gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0];
  std::string_view stream = fuzz::as_view(data + 1, size - 1);

  ChatTemplates templates;
  constexpr std::size_t kMaxLine = 128, kMaxName = 32;
  bool named = false;
  auto on_line = [&](std::string_view line, LineEnd) {
    std::string_view text = trim_blanks(line);
    FUZZ_CHECK(text.size() <= line.size());
    if (!text.empty()) FUZZ_CHECK(text.front() != ' ' && text.back() != '\t');
    auto problem = text_problem(text);
    if (!problem) FUZZ_CHECK(is_valid_utf8(text));
    if (!named) {
      if (text.empty() || text.size() > kMaxName || problem) {
        (void)ChatTemplates::fill(templates.name_too_long, "", kMaxName);
        return true;
      }
      named = true;
      std::string joined = templates.joined_text(text);
      FUZZ_CHECK(joined.find(text) != std::string::npos);
      FUZZ_CHECK(!text_problem(joined));
      (void)templates.left_text(text);
    }
    return true;
  };
  auto on_overflow = [&] {
    (void)ChatTemplates::fill(templates.line_too_long, "", kMaxLine);
    return true;
  };
  LineFramer framer(kMaxLine);
  std::size_t step = 1 + (mode & 0x3f);
  for (std::size_t pos = 0; pos < stream.size(); pos += step) {
    framer.feed(stream.substr(pos, step), on_line, on_overflow);
    if ((mode & 0x40) && (pos / step) % 2 == 1) framer.flush(on_line);
  }
  framer.flush(on_line);
  // A name with "{name}" in it must not be expanded again.
  if (!stream.empty() && stream.size() < 64)
    FUZZ_CHECK(ChatTemplates::fill("<{name}>", stream, 0) == "<" + std::string(stream) + ">");
  return 0;
}
