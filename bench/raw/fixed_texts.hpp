#pragma once
// The fixed texts both raw baseline servers answer, by slicing strings (no JSON, no packets):
//   "40"                         -> "40{"sid":"raw"}"
//   "42<id>["echo",ARGS]         -> "43<id>[ARGS]"
//   "42["bcast",X]"              -> "42["msg",X]" to every connection
//   "42["join","R"]"             -> remembers the room
//   "42["room",{"room":"R",...}]"-> "42["msg",{...}]" to the connections in R
// Session has send(std::shared_ptr<const std::string>); Hub has `all` (sessions) and `rooms`
// (name -> sessions).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

template <class Session, class Hub>
void answer_fixed_text(Session& self, Hub& hub, std::vector<std::string>& my_rooms,
                       std::string_view t) {
  if (t == "40") return self.send(std::make_shared<const std::string>("40{\"sid\":\"raw\"}"));
  if (!t.starts_with("42")) return;  // pongs and anything else
  auto open = t.find('[');
  if (open == std::string_view::npos) return;
  std::string_view id = t.substr(2, open - 2);
  std::string_view args = t.substr(open + 1);  // after '['
  if (args.starts_with("\"echo\",")) {
    std::string reply = "43";
    reply += id;
    reply += '[';
    reply += args.substr(7);
    return self.send(std::make_shared<const std::string>(std::move(reply)));
  }
  if (args.starts_with("\"bcast\",")) {
    auto msg = std::make_shared<const std::string>("42[\"msg\"," + std::string(args.substr(8)));
    for (auto* s : hub.all)
      s->send(msg);
    return;
  }
  if (args.starts_with("\"join\",\"")) {
    auto room = args.substr(8, args.find('"', 8) - 8);
    hub.rooms[std::string(room)].insert(&self);
    my_rooms.emplace_back(room);
    return;
  }
  if (args.starts_with("\"room\",{\"room\":\"")) {
    std::string_view rest = args.substr(16);
    std::string room(rest.substr(0, rest.find('"')));
    auto it = hub.rooms.find(room);
    if (it == hub.rooms.end()) return;
    auto msg = std::make_shared<const std::string>("42[\"msg\"," + std::string(args.substr(7)));
    for (auto* s : it->second)
      s->send(msg);
  }
}
