// `soket command`: sends a command through a running server's REST API.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "soket/net/asio.hpp"

namespace soket::cli {

Runner add_command_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("command", "Send a command to devices through a running server");
  struct Options {
    std::string to = "*";
    std::string command;
    std::string host = "127.0.0.1";
    uint16_t port = 5000;
    std::string token;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--to", o->to, "A device id, group:<name> or * (every connected device)")
      ->capture_default_str();
  cmd->add_option("command", o->command, "The command line, e.g. led-on")->required();
  cmd->add_option("--host", o->host, "Server address")->capture_default_str();
  cmd->add_option("--http-port", o->port, "Server HTTP port")->capture_default_str();
  cmd->add_option("--token", o->token, "REST API token (auth.api_token)");
  return [o]() -> int {
    namespace http = boost::beast::http;
    net::asio::io_context io;
    boost::beast::tcp_stream stream(io);
    net::tcp::resolver resolver(io);
    stream.expires_after(std::chrono::seconds(10));
    boost::system::error_code connect_error;
    auto endpoints = resolver.resolve(o->host, std::to_string(o->port), connect_error);
    if (!connect_error) stream.connect(endpoints, connect_error);
    if (connect_error) {
      std::fprintf(stderr,
                   "soket command: cannot reach a soket server at %s:%u (%s). Is `soket serve` "
                   "running there? Use --host and --http-port to point at it.\n",
                   o->host.c_str(), static_cast<unsigned>(o->port),
                   connect_error.message().c_str());
      return 1;
    }
    http::request<http::string_body> req{http::verb::post, "/api/commands", 11};
    req.set(http::field::host, o->host);
    req.set(http::field::content_type, "application/json");
    if (!o->token.empty()) req.set(http::field::authorization, "Bearer " + o->token);
    req.body() = boost::json::serialize(
        boost::json::object{{"to", o->to}, {"command", o->command}, {"source", "cli"}});
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    boost::system::error_code ec;
    auto body = boost::json::parse(res.body(), ec);
    if (res.result() != http::status::accepted || ec) {
      std::string message = res.body();
      if (!ec && body.is_object() && body.as_object().contains("error"))
        message = boost::json::serialize(body.as_object()["error"].as_object()["message"]);
      std::fprintf(stderr, "soket command: %u %s\n", res.result_int(), message.c_str());
      return 1;
    }
    for (const auto& c : body.as_object()["commands"].as_array()) {
      const auto& command = c.as_object();
      if (command.contains("error")) {
        std::printf("%s: error %s\n", boost::json::serialize(command.at("device")).c_str(),
                    boost::json::serialize(command.at("error")).c_str());
      } else {
        std::printf("#%s %s -> %s: %s\n", boost::json::serialize(command.at("id")).c_str(),
                    std::string(command.at("command").as_string()).c_str(),
                    std::string(command.at("device").as_string()).c_str(),
                    std::string(command.at("state").as_string()).c_str());
      }
    }
    if (body.as_object()["commands"].as_array().empty())
      std::printf("no device matched %s\n", o->to.c_str());
    return 0;
  };
}

}  // namespace soket::cli
