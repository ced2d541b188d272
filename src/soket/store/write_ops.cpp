#include "soket/store/write_ops.hpp"

#include <cmath>

namespace soket::store {
namespace {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// C++20 deduces this for aggregates by itself; clang 16 does not implement that yet.
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::optional<std::string> check_device_id(const std::string& id) {
  if (id.empty()) return "empty device id";
  return std::nullopt;
}

std::optional<std::string> check_command_id(std::int64_t id) {
  if (id <= 0) return "invalid command id " + std::to_string(id);
  return std::nullopt;
}

std::optional<std::string> check_sample(const Sample& sample) {
  if (sample.key.empty()) return "empty reading key";
  if (!sample.value && !sample.text) return "reading '" + sample.key + "' has no value";
  if (sample.value && !std::isfinite(*sample.value))
    return "reading '" + sample.key + "' is not a finite number";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> validate(const WriteOp& op) {
  return std::visit(
      Overloaded{
          [](const UpsertDevice& o) { return check_device_id(o.id); },
          [](const MarkAllOffline&) -> std::optional<std::string> { return std::nullopt; },
          [](const InsertReadings& o) -> std::optional<std::string> {
            if (auto error = check_device_id(o.device_id)) return error;
            if (o.samples.empty()) return "no readings";
            for (const auto& sample : o.samples)
              if (auto error = check_sample(sample)) return error;
            return std::nullopt;
          },
          [](const InsertText& o) { return check_device_id(o.device_id); },
          [](const EnqueueCommand& o) -> std::optional<std::string> {
            if (auto error = check_device_id(o.device_id)) return error;
            if (o.command.empty()) return "empty command";
            return std::nullopt;
          },
          [](const MarkCommandSent& o) { return check_command_id(o.id); },
          [](const MarkCommandAcked& o) { return check_command_id(o.id); },
          [](const MarkCommandFailed& o) { return check_command_id(o.id); },
          [](const InsertChat& o) -> std::optional<std::string> {
            if (o.user.empty()) return "empty chat user";
            return std::nullopt;
          },
          [](const InsertAlert& o) -> std::optional<std::string> {
            if (o.rule.empty()) return "empty alert rule";
            if (o.device_id && o.device_id->empty()) return "empty device id";
            if (o.value && !std::isfinite(*o.value)) return "alert value is not a finite number";
            return std::nullopt;
          },
      },
      op);
}

}  // namespace soket::store
