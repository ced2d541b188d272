#include "soket/store/json.hpp"

#include <boost/json/object.hpp>

namespace soket::store {
namespace {

template <typename T>
boost::json::value optional_value(const std::optional<T>& value) {
  if (!value) return nullptr;
  return boost::json::value_from(*value);
}

}  // namespace

void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Device& device) {
  out = boost::json::object{{"id", device.id},
                            {"name", device.name.value_or("")},
                            {"group", device.group.value_or("")},
                            {"kind", device.kind.value_or("")},
                            {"transport", device.transport.value_or("")},
                            {"address", device.address.value_or("")},
                            {"online", device.online},
                            {"first_seen", device.first_seen},
                            {"last_seen", device.last_seen}};
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Reading& reading) {
  out = boost::json::object{{"id", reading.id},
                            {"device_id", reading.device_id},
                            {"ts", reading.ts},
                            {"key", reading.key},
                            {"value", optional_value(reading.value)},
                            {"text", optional_value(reading.text)}};
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const ReadingBucket& bucket) {
  out =
      boost::json::object{{"key", bucket.key},     {"start", bucket.start}, {"width", bucket.width},
                          {"count", bucket.count}, {"avg", bucket.avg},     {"min", bucket.min},
                          {"max", bucket.max}};
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const TextMessage& message) {
  out = boost::json::object{{"id", message.id},
                            {"device_id", message.device_id},
                            {"ts", message.ts},
                            {"text", message.text}};
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Command& command) {
  boost::json::object object{{"id", command.id},
                             {"device", command.device_id},
                             {"command", command.command},
                             {"source", to_string(command.source)},
                             {"state", to_string(command.state)},
                             {"created", command.created_at}};
  if (command.sent_at) object["sent"] = *command.sent_at;
  if (command.acked_at) object["acked"] = *command.acked_at;
  if (command.reply) object["reply"] = *command.reply;
  out = std::move(object);
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const ChatMessage& message) {
  out = boost::json::object{{"id", message.id},
                            {"ts", message.ts},
                            {"user", message.user},
                            {"text", message.text},
                            {"origin", to_string(message.origin)}};
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& out, const Alert& alert) {
  boost::json::object object{{"id", alert.id},
                             {"ts", alert.ts},
                             {"rule", alert.rule},
                             {"device", alert.device_id.value_or("")},
                             {"message", alert.message}};
  if (alert.value) object["value"] = *alert.value;
  out = std::move(object);
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& out,
                const WriterMetrics& metrics) {
  out = boost::json::object{{"batches_committed", metrics.batches_committed},
                            {"batches_failed", metrics.batches_failed},
                            {"ops_committed", metrics.ops_committed},
                            {"ops_rejected", metrics.ops_rejected},
                            {"ops_failed", metrics.ops_failed},
                            {"rows_written", metrics.rows_written},
                            {"submissions_refused", metrics.submissions_refused},
                            {"last_batch_size", metrics.last_batch_size},
                            {"last_batch_us", metrics.last_batch_us},
                            {"avg_batch_us", metrics.avg_batch_us},
                            {"max_batch_us", metrics.max_batch_us},
                            {"last_ack_delay_us", metrics.last_ack_delay_us},
                            {"queue_depth", metrics.queue_depth}};
}

}  // namespace soket::store
