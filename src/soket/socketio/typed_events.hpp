#pragma once

#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "soket/socketio/message.hpp"
#include "soket/socketio/types.hpp"

// Typed events: the C++ counterpart of socket.io's TypeScript event maps
// (`Server<ClientToServerEvents, ServerToClientEvents>`). An event is described by a type:
//
//   struct Chat {
//     static constexpr std::string_view name = "chat";
//     using args = std::tuple<std::string, int>;  // what travels with it
//     using ack = std::tuple<bool>;               // optional: what the receiver answers
//   };
//
// and socket.on<Chat>(handler), socket.emit<Chat>(text, n), socket.emit_with_ack<Chat>(text, n,
// callback), io.emit<Chat>(...), io.to(room).emit<Chat>(...) check the arguments against `args`
// at compile time and convert them with Boost.JSON (value_from / value_to: numbers, strings,
// containers, optionals, and user types with a tag_invoke conversion; `Binary` for bytes).
// TypedSocket<ClientEvents, ServerEvents> also refuses, at compile time, an `on` of an event the
// client does not send and an `emit` of one the server does not.
namespace soket::socketio {

namespace typed_detail {
template <class T>
struct is_tuple : std::false_type {};
template <class... T>
struct is_tuple<std::tuple<T...>> : std::true_type {};
}  // namespace typed_detail

/// A type that describes one event: its name and the types of its arguments.
template <class E>
concept EventDescriptor = requires {
  { E::name } -> std::convertible_to<std::string_view>;
  typename E::args;
}
&&typed_detail::is_tuple<typename E::args>::value;

/// An event whose receiver answers with the values of `E::ack` (a std::tuple).
template <class E>
concept AckedEventDescriptor = EventDescriptor<E> && requires {
  typename E::ack;
} && typed_detail::is_tuple<typename E::ack>::value;

/// A list of events: one side of an event map (what the client sends, what the server sends).
template <EventDescriptor... E>
struct Events {};

template <class List, class E>
struct has_event : std::false_type {};
template <class E, class... Es>
struct has_event<Events<Es...>, E> : std::bool_constant<(std::is_same_v<E, Es> || ...)> {};
/// Whether the event descriptor `E` is in the event list `List` (an Events<...>).
template <class List, class E>
inline constexpr bool has_event_v = has_event<List, E>::value;

/// What a typed handler gets to answer an event with an ack: send() takes exactly E::ack.
template <AckedEventDescriptor E>
class TypedAck {
 public:
  /// Wraps the handler's Ack.
  explicit TypedAck(Ack& ack) : ack_(&ack) {}
  /// Whether the client asked for an answer.
  explicit operator bool() const { return static_cast<bool>(*ack_); }
  /// Answers with exactly the values E::ack declares.
  template <class... V>
  void send(V&&... values);

 private:
  Ack* ack_;
};

namespace typed_detail {

template <class Tuple, class... V>
constexpr bool converts() {
  if constexpr (std::tuple_size_v<Tuple> != sizeof...(V)) {
    return false;
  } else {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (std::is_convertible_v<V, std::tuple_element_t<I, Tuple>> && ...);
    }
    (std::index_sequence_for<V...>{});
  }
}

/// Appends each value, converted first to the type the tuple declares for it.
template <class Tuple, class... V>
Message message_of(V&&... values) {
  Message message;
  message.args.reserve(sizeof...(V));
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (detail::append(message, std::tuple_element_t<I, Tuple>(std::forward<V>(values))), ...);
  }
  (std::index_sequence_for<V...>{});
  return message;
}

template <class T>
std::optional<T> argument(const Message& message, std::size_t i, std::string& error) {
  const auto& value = message.args[i];
  if constexpr (std::is_same_v<T, Binary>) {
    const auto* object = value.if_object();
    const auto* num = object ? object->if_contains("num") : nullptr;
    if (message.binary(value) && num && num->is_int64())
      return Binary{message.attachments[static_cast<std::size_t>(num->get_int64())]};
    error = "argument " + std::to_string(i) + " is not binary";
    return std::nullopt;
  } else {
    auto result = boost::json::try_value_to<T>(value);
    if (result) return std::move(*result);
    error = "argument " + std::to_string(i) + " does not convert: " + result.error().message();
    return std::nullopt;
  }
}

/// The arguments of `message` as `Tuple`, or nullopt and `error` when one is missing or does not
/// convert. Arguments beyond the declared ones are ignored (as JavaScript does).
template <class Tuple>
std::optional<Tuple> arguments_of(const Message& message, std::string& error) {
  constexpr std::size_t count = std::tuple_size_v<Tuple>;
  if (message.args.size() < count) {
    error = std::to_string(count) + " argument" + (count == 1 ? "" : "s") + " expected, " +
            std::to_string(message.args.size()) + " given";
    return std::nullopt;
  }
  bool ok = true;
  auto parts = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::tuple{[&] {
      auto value = ok ? argument<std::tuple_element_t<I, Tuple>>(message, I, error)
                      : std::optional<std::tuple_element_t<I, Tuple>>();
      if (!value) ok = false;
      return value;
    }()...};
  }
  (std::make_index_sequence<count>{});
  if (!ok) return std::nullopt;
  return std::apply([](auto&&... values) { return Tuple{std::move(*values)...}; },
                    std::move(parts));
}

}  // namespace typed_detail

/// The message of event E with `values`, checked against E::args at compile time.
template <EventDescriptor E, class... V>
Message event_message(V&&... values) {
  using Args = typename E::args;
  static_assert(std::tuple_size_v<Args> == sizeof...(V),
                "emit<E>(...): the number of arguments differs from E::args");
  static_assert(typed_detail::converts<Args, V...>(),
                "emit<E>(...): an argument does not convert to the type E::args declares for it");
  return typed_detail::message_of<Args>(std::forward<V>(values)...);
}

template <AckedEventDescriptor E>
template <class... V>
void TypedAck<E>::send(V&&... values) {
  using Reply = typename E::ack;
  static_assert(std::tuple_size_v<Reply> == sizeof...(V),
                "TypedAck<E>::send(...): the number of values differs from E::ack");
  static_assert(typed_detail::converts<Reply, V...>(),
                "TypedAck<E>::send(...): a value does not convert to the type E::ack declares");
  (*ack_)(typed_detail::message_of<Reply>(std::forward<V>(values)...));
}

/// The callback of a typed emit_with_ack: the error ("operation has timed out", "socket has been
/// disconnected", or that the answer does not match E::ack) or the answer.
template <AckedEventDescriptor E>
using TypedAckCallback =
    std::function<void(std::optional<std::string> error, std::optional<typename E::ack> reply)>;

namespace typed_detail {

/// The untyped listener that decodes E's arguments and calls `handler` (Socket&, args...[,
/// TypedAck<E>]). Arguments that do not match E::args: the handler is not called, the socket's
/// error listeners (Socket::on_error) are told, the connection stays.
template <EventDescriptor E, class S, class F>
EventHandler listener(F handler) {
  using Args = typename E::args;
  return [handler = std::move(handler)](S& socket, Message& message, Ack& ack) mutable {
    std::string error;
    auto args = arguments_of<Args>(message, error);
    if (!args) {
      socket.report_error("event \"" + std::string(std::string_view(E::name)) + "\": " + error);
      return;
    }
    if constexpr (AckedEventDescriptor<E>) {
      std::apply([&](auto&&... values) { handler(socket, std::move(values)..., TypedAck<E>(ack)); },
                 std::move(*args));
    } else {
      std::apply([&](auto&&... values) { handler(socket, std::move(values)...); },
                 std::move(*args));
    }
  };
}

template <AckedEventDescriptor E>
AckCallback ack_callback(TypedAckCallback<E> done) {
  return [done = std::move(done)](std::optional<std::string> error, Message& reply) {
    if (error) return done(std::move(error), std::nullopt);
    std::string decode_error;
    auto values = arguments_of<typename E::ack>(reply, decode_error);
    if (!values)
      return done("the answer to \"" + std::string(std::string_view(E::name)) +
                      "\" does not match its ack: " + decode_error,
                  std::nullopt);
    done(std::nullopt, std::move(values));
  };
}

/// Whether F can handle E: f(Socket&, args...) or, for an acked event, f(Socket&, args...,
/// TypedAck<E>).
template <class E, class S, class F, class Tuple = typename E::args>
struct handles;
template <class E, class S, class F, class... A>
struct handles<E, S, F, std::tuple<A...>> {
  static constexpr bool value = [] {
    if constexpr (AckedEventDescriptor<E>)
      return std::is_invocable_v<F&, S&, A&&..., TypedAck<E>>;
    else
      return std::is_invocable_v<F&, S&, A&&...>;
  }();
};

}  // namespace typed_detail

}  // namespace soket::socketio
