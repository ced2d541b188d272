#include "soket/store/types.hpp"

#include <array>
#include <chrono>
#include <utility>

namespace soket::store {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> parse(const std::array<std::pair<Enum, std::string_view>, N>& names,
                          std::string_view name) {
  for (const auto& [value, text] : names)
    if (text == name) return value;
  return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                         Enum value) {
  for (const auto& [candidate, text] : names)
    if (candidate == value) return text;
  return "unknown";
}

constexpr std::array<std::pair<CommandSource, std::string_view>, 5> kSources{{
    {CommandSource::dashboard, "dashboard"},
    {CommandSource::rest, "rest"},
    {CommandSource::cli, "cli"},
    {CommandSource::standard_input, "stdin"},
    {CommandSource::rule, "rule"},
}};

constexpr std::array<std::pair<CommandState, std::string_view>, 4> kStates{{
    {CommandState::queued, "queued"},
    {CommandState::sent, "sent"},
    {CommandState::acked, "acked"},
    {CommandState::failed, "failed"},
}};

constexpr std::array<std::pair<ChatOrigin, std::string_view>, 2> kOrigins{{
    {ChatOrigin::tcp, "tcp"},
    {ChatOrigin::web, "web"},
}};

}  // namespace

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string_view to_string(CommandSource source) {
  return name_of(kSources, source);
}
std::string_view to_string(CommandState state) {
  return name_of(kStates, state);
}
std::string_view to_string(ChatOrigin origin) {
  return name_of(kOrigins, origin);
}

std::optional<CommandSource> parse_command_source(std::string_view name) {
  return parse(kSources, name);
}
std::optional<CommandState> parse_command_state(std::string_view name) {
  return parse(kStates, name);
}
std::optional<ChatOrigin> parse_chat_origin(std::string_view name) {
  return parse(kOrigins, name);
}

}  // namespace soket::store
