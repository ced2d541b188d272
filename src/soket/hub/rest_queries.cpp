#include "soket/hub/rest_queries.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value_from.hpp>

#include <charconv>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "soket/hub/rest_reply.hpp"
#include "soket/store/json.hpp"
#include "soket/util/json_text.hpp"

namespace soket::hub::rest {
namespace {

/// A request the handlers refuse with 400 and this code.
struct BadRequest : std::invalid_argument {
  BadRequest(std::string code, const std::string& message)
      : std::invalid_argument(message), code(std::move(code)) {}
  std::string code;
};

template <typename Handler>
http::Response answer(const http::Request& req, Handler&& handler) {
  try {
    return handler();
  } catch (const BadRequest& e) {
    return error(req, http::Status::bad_request, e.code, e.what());
  } catch (const std::invalid_argument& e) {  // from the store: a limit or range out of bounds
    return error(req, http::Status::bad_request, "bad_query", e.what());
  }
}

std::int64_t whole_param(const http::Target& target, const std::string& name,
                         std::int64_t fallback) {
  auto value = int_param(target, name, fallback);
  if (!value) throw BadRequest("bad_query", name + " is a whole number");
  return *value;
}

std::optional<store::Cursor> cursor_param(const http::Target& target, const std::string& name) {
  const std::string* text = target.param(name);
  if (!text) return std::nullopt;
  auto cursor = store::parse_cursor(*text);
  if (!cursor)
    throw BadRequest("bad_cursor", name + " is a cursor <ts>:<id> as given in `next`, e.g. " +
                                       "1733100000000:42; got '" + *text + "'");
  return cursor;
}

std::optional<std::int64_t> id_param(const http::Target& target, const std::string& name) {
  const std::string* text = target.param(name);
  if (!text) return std::nullopt;
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), id);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size())
    throw BadRequest("bad_cursor",
                     name + " is a command id as given in `next`; got '" + *text + "'");
  return id;
}

std::string choice_param(const http::Target& target, const std::string& name,
                         std::string_view first, std::string_view second) {
  const std::string* text = target.param(name);
  if (!text) return std::string(first);
  if (*text != first && *text != second)
    throw BadRequest("bad_query",
                     name + " is " + std::string(first) + " or " + std::string(second));
  return *text;
}

store::SeriesQuery series_query(const http::Target& target, std::int64_t default_limit) {
  store::SeriesQuery query;
  query.from = store::bounded_time_ms(whole_param(target, "from", 0));
  query.to = store::bounded_time_ms(whole_param(target, "to", store::now_ms()));
  query.limit = whole_param(target, "limit", default_limit);
  query.before = cursor_param(target, "before");
  query.after = cursor_param(target, "after");
  return query;
}

boost::json::value next_json(const std::optional<store::Cursor>& next) {
  if (!next) return nullptr;
  return boost::json::value(store::to_string(*next));
}

http::Response csv_response(const http::Request& req, std::string csv,
                            const std::optional<store::Cursor>& next) {
  auto res = http::text_response(req, http::Status::ok, std::move(csv), "text/csv; charset=utf-8");
  if (next) res.set("Next-Cursor", store::to_string(*next));
  return res;
}

/// One row per timestamp, one column per key (sorted), after "ts".
struct WideTable {
  std::vector<std::string> keys;
  std::vector<std::pair<std::int64_t, std::vector<const store::Reading*>>> rows;
};

WideTable widen(const std::vector<store::Reading>& readings) {
  WideTable table;
  std::map<std::string, std::size_t> column;
  for (const auto& r : readings)
    column.emplace(r.key, 0);
  for (auto& [key, index] : column) {
    index = table.keys.size();
    table.keys.push_back(key);
  }
  for (const auto& r : readings) {  // oldest first: equal timestamps are together
    if (table.rows.empty() || table.rows.back().first != r.ts)
      table.rows.emplace_back(r.ts, std::vector<const store::Reading*>(table.keys.size()));
    table.rows.back().second[column[r.key]] = &r;  // a repeated key: the later one wins
  }
  return table;
}

boost::json::value cell_json(const store::Reading* r) {
  if (!r) return nullptr;
  if (r->value) return *r->value;
  if (r->text) return boost::json::value(*r->text);
  return nullptr;
}

void append_cell_csv(std::string& csv, const store::Reading* r) {
  if (!r) return;
  if (r->value) {
    json_text::append_number(csv, *r->value);
  } else if (r->text) {
    csv += csv_escape(*r->text);
  }
}

http::Response wide_readings(const http::Request& req, const std::string& device,
                             const store::Page<store::Reading>& page, bool csv) {
  WideTable table = widen(page.rows);
  if (csv) {
    std::string out = "ts";
    for (const auto& key : table.keys)
      out += "," + csv_escape(key);
    out += "\n";
    for (const auto& [ts, cells] : table.rows) {
      out += std::to_string(ts);
      for (const auto* cell : cells) {
        out += ",";
        append_cell_csv(out, cell);
      }
      out += "\n";
    }
    return csv_response(req, std::move(out), page.next);
  }
  boost::json::array columns{"ts"};
  for (const auto& key : table.keys)
    columns.push_back(boost::json::value(key));
  boost::json::array rows;
  rows.reserve(table.rows.size());
  for (const auto& [ts, cells] : table.rows) {
    boost::json::array row{ts};
    for (const auto* cell : cells)
      row.push_back(cell_json(cell));
    rows.push_back(std::move(row));
  }
  return ok(req, http::Status::ok,
            boost::json::object{{"device", device},
                                {"shape", "wide"},
                                {"columns", std::move(columns)},
                                {"rows", std::move(rows)},
                                {"next", next_json(page.next)}});
}

http::Response long_readings(const http::Request& req, const std::string& device,
                             const store::Page<store::Reading>& page, bool csv) {
  if (csv) {
    std::string out = "ts,key,value,text\n";
    for (const auto& r : page.rows) {
      out += std::to_string(r.ts) + "," + csv_escape(r.key) + ",";
      if (r.value) json_text::append_number(out, *r.value);
      out += ",";
      if (r.text) out += csv_escape(*r.text);
      out += "\n";
    }
    return csv_response(req, std::move(out), page.next);
  }
  return ok(req, http::Status::ok,
            boost::json::object{{"device", device},
                                {"readings", boost::json::value_from(page.rows)},
                                {"next", next_json(page.next)}});
}

}  // namespace

http::Response readings(const http::Request& req, const http::Target& target, store::Store& db,
                        const std::string& device) {
  return answer(req, [&] {
    bool csv = choice_param(target, "format", "json", "csv") == "csv";
    bool wide = choice_param(target, "shape", "long", "wide") == "wide";
    auto query = series_query(target, wide ? 100 : 1000);
    if (wide) return wide_readings(req, device, db.pages().readings_by_time(device, query), csv);
    return long_readings(req, device, db.pages().readings(device, query), csv);
  });
}

http::Response messages(const http::Request& req, const http::Target& target, store::Store& db,
                        const std::string& device) {
  return answer(req, [&] {
    auto page = db.pages().texts(device, series_query(target, 100));
    return ok(req, http::Status::ok,
              boost::json::object{{"device", device},
                                  {"messages", boost::json::value_from(page.rows)},
                                  {"next", next_json(page.next)}});
  });
}

http::Response commands(const http::Request& req, const http::Target& target, store::Store& db) {
  return answer(req, [&] {
    store::CommandQuery query;
    if (const std::string* device = target.param("device")) {
      if (device->empty()) throw BadRequest("bad_query", "device is empty");
      if (!db.reader().device(*device))
        return error(req, http::Status::not_found, "unknown_device", "no device '" + *device + "'");
      query.device = *device;
    }
    if (const std::string* state = target.param("state")) {
      query.state = store::parse_command_state(*state);
      if (!query.state)
        throw BadRequest("bad_query",
                         "state is one of queued, sent, acked, failed; got '" + *state + "'");
    }
    query.limit = whole_param(target, "limit", 100);
    query.before = id_param(target, "before");
    query.after = id_param(target, "after");
    auto page = db.pages().commands(query);
    boost::json::value next = nullptr;
    if (page.next) next = *page.next;
    return ok(req, http::Status::ok,
              boost::json::object{{"commands", boost::json::value_from(page.commands)},
                                  {"next", std::move(next)}});
  });
}

http::Response command(const http::Request& req, store::Store& db, std::string_view id) {
  std::int64_t number = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), number);
  if (ec != std::errc() || end != id.data() + id.size() || number < 1)
    return error(req, http::Status::bad_request, "bad_request",
                 "a command id is a whole number from 1; got '" + std::string(id) + "'");
  auto found = db.reader().command(number);
  if (!found)
    return error(req, http::Status::not_found, "unknown_command",
                 "no command " + std::to_string(number));
  return ok(req, http::Status::ok, boost::json::value_from(*found));
}

}  // namespace soket::hub::rest
