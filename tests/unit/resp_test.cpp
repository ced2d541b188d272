#include "soket/cluster/resp.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace soket::cluster {
namespace {

using Type = RedisReply::Type;

std::vector<RedisReply> read_all(RespReader& reader) {
  std::vector<RedisReply> out;
  while (auto reply = reader.next())
    out.push_back(std::move(*reply));
  return out;
}

std::vector<RedisReply> parse(std::string_view bytes) {
  RespReader reader;
  reader.feed(bytes);
  return read_all(reader);
}

RedisReply parse_one(std::string_view bytes) {
  auto replies = parse(bytes);
  EXPECT_EQ(replies.size(), 1u) << bytes;
  return replies.empty() ? RedisReply{} : std::move(replies.front());
}

// A compact text form for comparisons: +status -error :int $"string" nil [a, b].
std::string show(const RedisReply& r) {
  switch (r.type) {
    case Type::status:
      return "+" + r.str;
    case Type::error:
      return "-" + r.str;
    case Type::integer:
      return ":" + std::to_string(r.integer);
    case Type::string:
      return "$\"" + r.str + "\"";
    case Type::nil:
      return "nil";
    case Type::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < r.elements.size(); ++i)
        out += (i ? ", " : "") + show(r.elements[i]);
      return out + "]";
    }
  }
  return "?";
}

TEST(RespFormat, ArrayOfBulkStrings) {
  std::vector<std::string_view> args = {"SET", "key", "value"};
  EXPECT_EQ(format_command(args), "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
  std::string binary("a\0\r\nb", 5);
  std::vector<std::string_view> binary_args = {"PUBLISH", "", binary};
  EXPECT_EQ(format_command(binary_args),
            std::string("*3\r\n$7\r\nPUBLISH\r\n$0\r\n\r\n$5\r\na\0\r\nb\r\n", 34));
}

TEST(RespReader, EveryReplyType) {
  EXPECT_EQ(show(parse_one("+OK\r\n")), "+OK");
  EXPECT_EQ(show(parse_one("-ERR wrong type\r\n")), "-ERR wrong type");
  EXPECT_EQ(show(parse_one(":42\r\n")), ":42");
  EXPECT_EQ(show(parse_one(":-9223372036854775808\r\n")), ":-9223372036854775808");
  EXPECT_EQ(show(parse_one("$5\r\nhello\r\n")), "$\"hello\"");
  EXPECT_EQ(show(parse_one("$0\r\n\r\n")), "$\"\"");
  EXPECT_EQ(show(parse_one("$-1\r\n")), "nil");
  EXPECT_EQ(show(parse_one("*-1\r\n")), "nil");
  EXPECT_EQ(show(parse_one("*0\r\n")), "[]");
  RedisReply binary = parse_one(std::string("$6\r\na\r\n\0bc\r\n", 12));
  EXPECT_EQ(binary.type, Type::string);
  EXPECT_EQ(binary.str, std::string("a\r\n\0bc", 6));
}

TEST(RespReader, NestedArrays) {
  EXPECT_EQ(show(parse_one("*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$2\r\nhi\r\n")),
            "[$\"message\", $\"chan\", $\"hi\"]");
  EXPECT_EQ(show(parse_one("*3\r\n*2\r\n:1\r\n*1\r\n$1\r\na\r\n*0\r\n*2\r\n$-1\r\n-ERR x\r\n")),
            "[[:1, [$\"a\"]], [], [nil, -ERR x]]");
  // hiredis 0.14 reads up to 8 nested arrays.
  std::string deep;
  for (int i = 0; i < 8; ++i)
    deep += "*1\r\n";
  deep += ":1\r\n";
  EXPECT_EQ(show(parse_one(deep)), "[[[[[[[[:1]]]]]]]]");
}

const std::string kStream =
    "+OK\r\n-ERR bad\r\n:12345\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n*0\r\n"
    "*3\r\n*2\r\n:1\r\n*1\r\n$1\r\na\r\n*0\r\n*2\r\n$-1\r\n-ERR x\r\n"
    "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$4\r\nchan\r\n$10\r\n0123456789\r\n";
const std::vector<std::string> kStreamReplies = {
    "+OK",
    "-ERR bad",
    ":12345",
    "$\"hello\"",
    "nil",
    "nil",
    "[]",
    "[[:1, [$\"a\"]], [], [nil, -ERR x]]",
    "[$\"pmessage\", $\"c*\", $\"chan\", $\"0123456789\"]"};

std::vector<std::string> shown(const std::vector<RedisReply>& replies) {
  std::vector<std::string> out;
  for (const auto& r : replies)
    out.push_back(show(r));
  return out;
}

TEST(RespReader, SeveralRepliesInOneFeed) {
  EXPECT_EQ(shown(parse(kStream)), kStreamReplies);
}

TEST(RespReader, SplitAtEveryByte) {
  for (std::size_t split = 0; split <= kStream.size(); ++split) {
    RespReader reader;
    reader.feed(std::string_view(kStream).substr(0, split));
    auto replies = read_all(reader);
    reader.feed(std::string_view(kStream).substr(split));
    auto rest = read_all(reader);
    replies.insert(replies.end(), rest.begin(), rest.end());
    EXPECT_EQ(shown(replies), kStreamReplies) << "split at " << split;
  }
  RespReader byte_by_byte;
  std::vector<RedisReply> replies;
  for (char c : kStream) {
    byte_by_byte.feed(std::string_view(&c, 1));
    auto got = read_all(byte_by_byte);
    replies.insert(replies.end(), got.begin(), got.end());
  }
  EXPECT_EQ(shown(replies), kStreamReplies);
}

void expect_protocol_error(std::string_view bytes) {
  RespReader reader;
  reader.feed(bytes);
  EXPECT_THROW(read_all(reader), std::runtime_error) << bytes;
  // The error sticks: the stream cannot be trusted any more.
  EXPECT_THROW(reader.next(), std::runtime_error) << bytes;
  EXPECT_THROW(reader.feed("+OK\r\n"), std::runtime_error) << bytes;
}

TEST(RespReader, BadTypeByte) {
  expect_protocol_error("?what\r\n");
  expect_protocol_error("hello\r\n");
  expect_protocol_error("+OK\r\n!\r\n");
  expect_protocol_error("*2\r\n:1\r\n%2\r\n");  // RESP3 map: not RESP2
}

TEST(RespReader, BadLength) {
  expect_protocol_error("$abc\r\n");
  expect_protocol_error("$-2\r\n");
  expect_protocol_error("$1x\r\nab\r\n");
  expect_protocol_error("*abc\r\n");
  expect_protocol_error("*-5\r\n");
  expect_protocol_error("*2147483648\r\n");  // above INT_MAX
  expect_protocol_error(":12x\r\n");
  expect_protocol_error(":\r\n");
}

TEST(RespReader, TooDeep) {
  std::string deep;
  for (int i = 0; i < 9; ++i)
    deep += "*1\r\n";
  expect_protocol_error(deep + ":1\r\n");
}

TEST(RespReader, HugeDeclaredSizesWaitForTheirBytes) {
  // The server's counts are not allocated up front: these just need more bytes.
  RespReader reader;
  reader.feed("*2147483647\r\n:1\r\n:2\r\n");
  EXPECT_FALSE(reader.next());
  RespReader bulk;
  bulk.feed("$4294967296\r\nabc");
  EXPECT_FALSE(bulk.next());
}

TEST(RespReader, Oversize) {
  RespReader reader(16);
  EXPECT_THROW(reader.feed(std::string(17, '+')), std::runtime_error);
  EXPECT_THROW(reader.feed("+OK\r\n"), std::runtime_error);  // broken for good

  // The cap counts the reply being read, not everything ever fed.
  RespReader small(16);
  for (int i = 0; i < 20; ++i) {
    small.feed("+OK\r\n");
    auto reply = small.next();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->str, "OK");
  }
  small.feed("$20\r\n0123456789");  // 15 bytes of a 27-byte reply
  EXPECT_FALSE(small.next());
  EXPECT_THROW(small.feed("01"), std::runtime_error);
}

}  // namespace
}  // namespace soket::cluster
