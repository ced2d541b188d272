#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "soket/net/asio.hpp"
#include "soket/socketio/ack_error.hpp"
#include "soket/socketio/message.hpp"
#include "soket/socketio/types.hpp"

namespace soket::socketio::detail {

/// The last type of a pack.
template <class... T>
using last_t = std::tuple_element_t<sizeof...(T) - 1, std::tuple<T...>>;

/// True when the last argument of an emit_with_ack call is an Asio completion token (a handler
/// taking (error_code, Message), use_awaitable, use_future, ...), not one of the callback forms.
template <class T>
struct is_duration : std::false_type {};
template <class Rep, class Period>
struct is_duration<std::chrono::duration<Rep, Period>> : std::true_type {};

template <class... T>
concept ends_with_token =
    sizeof...(T) >= 1 && !is_duration<std::decay_t<last_t<T...>>>::value &&
    !std::is_convertible_v<std::decay_t<last_t<T...>>, AckCallback> &&
    !std::is_convertible_v<std::decay_t<last_t<T...>>, BroadcastAckCallback> &&
    !std::is_same_v<std::decay_t<last_t<T...>>, Message> &&
    // emit_with_ack(event, message, callback, timeout): a timeout is no token either.
    !std::is_convertible_v<std::decay_t<last_t<T...>>, std::chrono::milliseconds>;

/// make_message() of all the tuple's elements but the last.
template <class Tuple, std::size_t... I>
Message message_of_prefix(Tuple&& tuple, std::index_sequence<I...>) {
  return make_message(std::get<I>(std::forward<Tuple>(tuple))...);
}

/// Starts an Asio asynchronous operation whose completion is `void(error_code, Message)`:
/// `start(message, callback)` begins the emit, `callback(error_text, reply)` finishes it. The
/// handler runs through its associated executor (the io_context's by default).
template <class Start, class... Args>
auto initiate_ack(boost::asio::io_context& io, Start start, std::string_view, Args&&... args) {
  auto tuple = std::forward_as_tuple(std::forward<Args>(args)...);
  auto message =
      message_of_prefix(std::move(tuple), std::make_index_sequence<sizeof...(Args) - 1>());
  auto&& token = std::get<sizeof...(Args) - 1>(tuple);
  return boost::asio::async_initiate<decltype(token), void(boost::system::error_code, Message)>(
      [&io, start = std::move(start)](auto handler, Message message) mutable {
        using Handler = decltype(handler);
        auto shared = std::make_shared<Handler>(std::move(handler));
        start(std::move(message), [&io, shared](std::optional<std::string> error, Message& reply) {
          auto executor = boost::asio::get_associated_executor(*shared, io.get_executor());
          boost::system::error_code ec;
          if (error) ec = ack_error_from_text(*error);
          boost::asio::dispatch(executor, [shared, ec, reply = std::move(reply)]() mutable {
            (*shared)(ec, std::move(reply));
          });
        });
      },
      token, std::move(message));
}

}  // namespace soket::socketio::detail
