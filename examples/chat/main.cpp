// A chat room over Socket.IO with a tiny web page: open http://127.0.0.1:5000/ in two tabs.
#include <boost/json/object.hpp>

#include "../common/example_main.hpp"
#include "soket/http/static_asset.hpp"
#include "soket/socketio/server.hpp"
#include "soket/socketio/socket.hpp"

extern "C" const char soket_chat_html[], soket_chat_html_end[];

using namespace soket::socketio;

int main(int argc, char** argv) {
  soket::net::asio::io_context context(1);  // outlives everything below
  std::unique_ptr<Server> io;
  auto page = soket::http::make_static_asset(
      "text/html; charset=UTF-8",
      std::string_view(soket_chat_html,
                       static_cast<std::size_t>(soket_chat_html_end - soket_chat_html)));
  return soket::examples::run_example(
      context, argc, argv, "soket chat: a chat room over Socket.IO", 5000,
      [&](soket::net::asio::io_context& context, soket::http::Server& http) {
        io = std::make_unique<Server>(context);
        io->on_connection([&](Socket& socket) {
          socket.data()["name"] = "anonymous";
          socket.on("join", [&](Socket& s, Message& m, Ack& ack) {
            std::string name(m.string_at(0).substr(0, 32));
            if (name.empty()) return ack.send(boost::json::object{{"error", "a name is required"}});
            s.data()["name"] = name;
            ack.send(boost::json::object{{"ok", true}});
            s.broadcast().emit("system", name + " joined");
          });
          socket.on("chat message", [&](Socket& s, Message& m, Ack&) {
            std::string text(m.string_at(0).substr(0, 2000));
            if (text.empty()) return;
            io->emit("chat message",
                     boost::json::object{{"name", s.data()["name"]}, {"text", text}});
          });
          socket.on_disconnect([&](Socket& s, std::string_view) {
            io->emit("system", std::string(s.data()["name"].as_string()) + " left");
          });
        });
        io->attach(http);
        http.router().add("/", [&page](const soket::http::ExchangePtr& exchange) {
          exchange->respond(soket::http::asset_response(exchange->request(), page));
        });
      },
      [&] { io->close(); });
}
