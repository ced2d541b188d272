// Typed events refused at compile time: each CASE must NOT compile, with the static_assert message
// the test expects (tests/unit/CMakeLists.txt, unit.TypedEventsCompileFail.*). CASE 0 compiles.
#include <string>
#include <string_view>
#include <tuple>

#include "soket/socketio/typed_socket.hpp"

using namespace soket::socketio;

struct Chat {
  static constexpr std::string_view name = "chat";
  using args = std::tuple<std::string, int>;
};
struct Welcome {
  static constexpr std::string_view name = "welcome";
  using args = std::tuple<std::string>;
};
using ClientEvents = Events<Chat>;
using ServerEvents = Events<Welcome>;

void use(Socket& socket, TypedSocket<ClientEvents, ServerEvents> typed) {
#if CASE == 0
  socket.emit<Chat>("text", 1);
  typed.emit<Welcome>("hello");
  typed.on<Chat>([](Socket&, std::string, int) {});
#elif CASE == 1
  socket.emit<Chat>(1, "text");  // arguments swapped
#elif CASE == 2
  socket.emit<Chat>("text");  // one missing
#elif CASE == 3
  socket.on<Chat>([](Socket&, int) {});  // a handler of other arguments
#elif CASE == 4
  typed.emit<Chat>("text", 1);  // the server does not send Chat
#elif CASE == 5
  typed.on<Welcome>([](Socket&, std::string) {});  // the client does not send Welcome
#endif
  (void)socket;
  (void)typed;
}
