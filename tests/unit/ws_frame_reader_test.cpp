#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "soket/engineio/ws_frame_reader.hpp"
#include "soket/util/utf8.hpp"

using namespace soket;
using namespace soket::engineio;

namespace {

std::string client_frame(uint8_t opcode, std::string_view payload, bool fin = true) {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | opcode);
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else if (payload.size() < 65536) {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i)
      f += static_cast<char>((payload.size() >> (8 * i)) & 0xff);
  }
  const char mask[4] = {0x11, 0x22, 0x33, 0x44};
  f.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f += static_cast<char>(payload[i] ^ mask[i % 4]);
  return f;
}

struct Recorder : WsFrameSink {
  std::vector<std::string> messages, pings;
  std::vector<uint16_t> closes;
  bool on_ws_message(std::string_view data, bool binary, bool compressed) override {
    messages.push_back((compressed ? "z" : "") + std::string(binary ? "b:" : "t:") +
                       std::string(data));
    return true;
  }
  bool on_ws_ping(std::string_view payload) override {
    pings.emplace_back(payload);
    return true;
  }
  bool on_ws_close_frame(uint16_t code, std::string_view) override {
    closes.push_back(code);
    return false;
  }
};

// Feeds `wire` in pieces of `step` bytes, keeping unconsumed bytes as the transport does.
uint16_t feed(WsFrameReader& reader, const std::string& wire, std::size_t step, Recorder& sink) {
  std::string pending;
  for (std::size_t pos = 0; pos < wire.size(); pos += step) {
    pending += wire.substr(pos, step);
    auto r = reader.parse(pending.data(), pending.size(), sink);
    if (r.error) return r.error;
    pending.erase(0, r.consumed);
    if (r.stopped) break;
  }
  return 0;
}

}  // namespace

TEST(Utf8, ValidatesWholeText) {
  EXPECT_TRUE(is_valid_utf8("plain ascii text, long enough for words"));
  EXPECT_TRUE(is_valid_utf8("Selamat pagi € 😀 ü"));
  EXPECT_FALSE(is_valid_utf8("\xc3\x28"));          // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("abcdefgh\xe2\x82"));  // cut off
}

TEST(Utf8, StreamingValidatorAcceptsEverySplit) {
  const std::string text = "a€b😀c ü";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    Utf8Validator v;
    EXPECT_TRUE(v.feed(std::string_view(text).substr(0, cut))) << cut;
    EXPECT_TRUE(v.feed(std::string_view(text).substr(cut))) << cut;
    EXPECT_TRUE(v.complete()) << cut;
  }
  Utf8Validator cut_short;
  EXPECT_TRUE(cut_short.feed("ab\xe2\x82"));
  EXPECT_FALSE(cut_short.complete());
  Utf8Validator bad_join;
  EXPECT_TRUE(bad_join.feed("ab\xe2"));
  EXPECT_FALSE(bad_join.feed("\x28"));
  Utf8Validator bad_lead;
  EXPECT_FALSE(bad_lead.feed("ab\xff"));
}

TEST(WsFrameReader, HandlesFramesInAnyPieces) {
  std::string wire = client_frame(1, "4hello") + client_frame(2, std::string(300, 'x')) +
                     client_frame(1, "4frag", false) + client_frame(9, "ping?") +
                     client_frame(0, "mented €") + client_frame(1, std::string(70000, 'y'));
  for (std::size_t step : {1, 2, 3, 7, 100, 100000}) {
    WsFrameReader reader(1000000);
    Recorder sink;
    EXPECT_EQ(feed(reader, wire, step, sink), 0) << step;
    ASSERT_EQ(sink.messages.size(), 4u) << step;
    EXPECT_EQ(sink.messages[0], "t:4hello");
    EXPECT_EQ(sink.messages[1], "b:" + std::string(300, 'x'));
    EXPECT_EQ(sink.messages[2], "t:4fragmented €");
    EXPECT_EQ(sink.messages[3].size(), 70002u);
    EXPECT_EQ(sink.pings, std::vector<std::string>{"ping?"});
  }
}

TEST(WsFrameReader, StopsAtTheCloseFrame) {
  WsFrameReader reader(1000);
  Recorder sink;
  std::string close_payload =
      "\x03\xe8"
      "bye";
  std::string wire = client_frame(8, close_payload) + client_frame(1, "4after");
  auto r = reader.parse(wire.data(), wire.size(), sink);
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(sink.closes, std::vector<uint16_t>{1000});
  EXPECT_TRUE(sink.messages.empty());
}

TEST(WsFrameReader, RefusesBrokenFrames) {
  auto error_of = [](std::string wire, std::size_t max = 1000) {
    WsFrameReader reader(max);
    Recorder sink;
    return feed(reader, wire, wire.size(), sink);
  };
  std::string unmasked = "\x81\x02hi";
  EXPECT_EQ(error_of(unmasked), close_code::protocol_error);
  std::string rsv = client_frame(1, "x");
  rsv[0] = static_cast<char>(rsv[0] | 0x40);
  EXPECT_EQ(error_of(rsv), close_code::protocol_error);
  EXPECT_EQ(error_of(client_frame(3, "x")), close_code::protocol_error);
  EXPECT_EQ(error_of(client_frame(0, "x")), close_code::protocol_error);
  EXPECT_EQ(error_of(client_frame(1, "a", false) + client_frame(2, "b")),
            close_code::protocol_error);
  EXPECT_EQ(error_of(client_frame(9, "x", false)), close_code::protocol_error);
  EXPECT_EQ(error_of(client_frame(10, std::string(126, 'p'))), close_code::protocol_error);
  EXPECT_EQ(error_of(client_frame(8, "x")), close_code::protocol_error);
  EXPECT_EQ(error_of(client_frame(8, std::string("\x03\xed", 2))), close_code::protocol_error);
  EXPECT_EQ(error_of(client_frame(1, "\xc3\x28")), close_code::invalid_payload);
  EXPECT_EQ(error_of(client_frame(1, "a\xe2", false) + client_frame(0, "\x82")),
            close_code::invalid_payload);
  EXPECT_EQ(error_of(client_frame(2, std::string(1001, 'z'))), close_code::too_big);
  EXPECT_EQ(error_of(client_frame(2, std::string(600, 'z'), false) +
                     client_frame(0, std::string(600, 'z'))),
            close_code::too_big);
  // Too big is known from the header alone, before any payload arrives.
  std::string header_only = client_frame(2, std::string(2000, 'z')).substr(0, 8);
  EXPECT_EQ(error_of(header_only), close_code::too_big);
}

namespace {

std::string with_rsv1(std::string frame) {
  frame[0] = static_cast<char>(frame[0] | 0x40);
  return frame;
}

}  // namespace

TEST(WsFrameReader, Rsv1MarksCompressedMessagesOnlyWhenDeflateWasAgreed) {
  WsFrameReader reader(1000);
  reader.allow_compressed(true);
  Recorder sink;
  // The compressed bytes are not UTF-8 checked here: they are checked once inflated.
  std::string wire = with_rsv1(client_frame(1, "\xff\xfe")) + with_rsv1(client_frame(2, "b")) +
                     with_rsv1(client_frame(1, "fr", false)) + client_frame(0, "\xff") +
                     client_frame(1, "plain");
  EXPECT_EQ(feed(reader, wire, 3, sink), 0);
  EXPECT_EQ(sink.messages,
            (std::vector<std::string>{"zt:\xff\xfe", "zb:b", "zt:fr\xff", "t:plain"}));
}

TEST(WsFrameReader, RefusesRsv1WhereItIsNotAllowed) {
  auto error_of = [](std::string wire, bool allow) {
    WsFrameReader reader(1000);
    reader.allow_compressed(allow);
    Recorder sink;
    return feed(reader, wire, wire.size(), sink);
  };
  EXPECT_EQ(error_of(with_rsv1(client_frame(1, "x")), false), close_code::protocol_error);
  EXPECT_EQ(error_of(with_rsv1(client_frame(9, "x")), true), close_code::protocol_error);
  EXPECT_EQ(error_of(with_rsv1(client_frame(8, "")), true), close_code::protocol_error);
  EXPECT_EQ(error_of(client_frame(1, "a", false) + with_rsv1(client_frame(0, "b")), true),
            close_code::protocol_error);
  std::string rsv2 = client_frame(1, "x");
  rsv2[0] = static_cast<char>(rsv2[0] | 0x20);
  EXPECT_EQ(error_of(rsv2, true), close_code::protocol_error);
}
