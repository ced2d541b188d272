#pragma once

#include <string_view>

namespace soket::simulator {

/// What a line from the server means to a device.
enum class ServerLine {
  ok,       ///< `OK ...`: the last message was accepted
  err,      ///< `ERR ...`: the last message was refused
  blank,    ///< nothing but blanks: ignored
  command,  ///< anything else
};

/// The line without surrounding spaces, tabs, CR and LF.
inline std::string_view trim_line(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && blank(s.back()))
    s.remove_suffix(1);
  return s;
}

/// What a line from the server is: `OK` or `ERR` (as a whole word, after trimming), blank, or a
/// command.
inline ServerLine classify_server_line(std::string_view line) {
  line = trim_line(line);
  if (line.empty()) return ServerLine::blank;
  auto keyword = [&](std::string_view word) {
    return line.substr(0, word.size()) == word &&
           (line.size() == word.size() || line[word.size()] == ' ');
  };
  if (keyword("OK")) return ServerLine::ok;
  if (keyword("ERR")) return ServerLine::err;
  return ServerLine::command;
}

}  // namespace soket::simulator
