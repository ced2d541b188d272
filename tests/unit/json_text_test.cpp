#include "soket/util/json_text.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace soket::json_text {
namespace {

std::string number(double value) {
  std::string out;
  EXPECT_TRUE(append_number(out, value)) << value;
  return out;
}

TEST(JsonTextNumber, WritesWhatPeopleWrite) {
  EXPECT_EQ(number(22.2), "22.2");
  EXPECT_EQ(number(27.5), "27.5");
  EXPECT_EQ(number(0.1 + 0.2), "0.30000000000000004");  // what it really is, as JavaScript says
  EXPECT_EQ(number(-0.5), "-0.5");
  EXPECT_EQ(number(123456.789), "123456.789");
  EXPECT_EQ(number(0.000001), "0.000001");
  EXPECT_EQ(number(0.00001234), "0.00001234");
}

TEST(JsonTextNumber, WholeNumbersStayWhole) {
  EXPECT_EQ(number(0.0), "0");
  EXPECT_EQ(number(-0.0), "0");  // JSON.stringify(-0) is "0"
  EXPECT_EQ(number(22.0), "22");
  EXPECT_EQ(number(-61.0), "-61");
  EXPECT_EQ(number(1e20), "100000000000000000000");
  EXPECT_EQ(number(9007199254740993.0), "9007199254740992");  // the double nearest to it
  EXPECT_EQ(number(1.5e15), "1500000000000000");
}

TEST(JsonTextNumber, ExponentsWhereJavaScriptUsesThem) {
  EXPECT_EQ(number(1e21), "1e+21");
  EXPECT_EQ(number(-1.5e21), "-1.5e+21");
  EXPECT_EQ(number(1e-7), "1e-7");
  EXPECT_EQ(number(1.25e-7), "1.25e-7");
  EXPECT_EQ(number(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(number(std::numeric_limits<double>::denorm_min()), "5e-324");
  EXPECT_EQ(number(-std::numeric_limits<double>::min()), "-2.2250738585072014e-308");
}

TEST(JsonTextNumber, RefusesNanAndInfinity) {
  char buf[kMaxNumberChars];
  std::string out = "x";
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(format_number(bad, buf), 0u);
    EXPECT_FALSE(append_number(out, bad));
  }
  EXPECT_EQ(out, "x");
}

// Any finite double: the text reads back as the same double and is as short as the shortest
// round-trip digits allow.
TEST(JsonTextNumber, RoundTripsRandomDoubles) {
  std::mt19937_64 random(20261202);
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t bits = random();
    double value = 0;
    std::memcpy(&value, &bits, sizeof value);
    if (!std::isfinite(value)) continue;
    char buf[kMaxNumberChars + 1];
    std::size_t size = format_number(value, buf);
    ASSERT_GT(size, 0u);
    ASSERT_LE(size, 25u);
    buf[size] = '\0';
    double back = std::strtod(buf, nullptr);
    ASSERT_EQ(back, value) << buf;  // -0 comes back as 0, which compares equal
    // Valid JSON. (Boost.JSON 1.81's parser itself may land an ulp off: strtod above is exact.)
    boost::json::value parsed = boost::json::parse(buf);
    ASSERT_TRUE(parsed.is_number()) << buf;
    ASSERT_NEAR(parsed.to_number<double>(), value, std::fabs(value) * 1e-15) << buf;
  }
}

// Tenths as a sensor reports them: n / 10 is written as the decimal a person would type.
TEST(JsonTextNumber, TenthsAreWrittenAsTyped) {
  std::mt19937_64 random(7);
  for (int i = 0; i < 100000; ++i) {
    auto n = static_cast<std::int64_t>(random() % 2000001) - 1000000;
    std::string digits = std::to_string(n < 0 ? -n : n);
    if (digits.size() < 2) digits.insert(0, "0");
    std::string expected = (n < 0 ? "-" : "") + digits.substr(0, digits.size() - 1);
    if (digits.back() != '0') expected += "." + digits.substr(digits.size() - 1);
    if (n == 0) expected = "0";
    ASSERT_EQ(number(static_cast<double>(n) / 10), expected) << n;
  }
}

TEST(JsonTextWrite, WritesCompactJsonWithPlainNumbers) {
  boost::json::value v = boost::json::parse(
      R"({"device":"gh-1","ts":1733100000000,"values":{"temp":22.2,"hum":61.0,"n":-3},)"
      R"("ok":true,"none":null,"list":[1.5,[],{}],"big":18446744073709551615})");
  EXPECT_EQ(to_json(v),
            R"({"device":"gh-1","ts":1733100000000,"values":{"temp":22.2,"hum":61,"n":-3},)"
            R"("ok":true,"none":null,"list":[1.5,[],{}],"big":18446744073709551615})");
  EXPECT_EQ(to_json(boost::json::value(std::numeric_limits<std::int64_t>::min())),
            "-9223372036854775808");
}

TEST(JsonTextWrite, NonFiniteNumbersAreNull) {
  boost::json::array a{1.0, std::numeric_limits<double>::infinity(),
                       std::numeric_limits<double>::quiet_NaN(), "NaN"};
  EXPECT_EQ(to_json(a), R"([1,null,null,"NaN"])");
}

TEST(JsonTextWrite, EscapesStringsAsJsonStringify) {
  std::string s = "a\"b\\c/d\n\r\t\b\f";
  s += '\x01';
  s += '\x1f';
  s += "\x7f\xc3\xa9";  // DEL and UTF-8 are written as they are
  boost::json::object o{{"k\"ey\n", s}};
  std::string text = to_json(o);
  EXPECT_EQ(text, "{\"k\\\"ey\\n\":\"a\\\"b\\\\c/d\\n\\r\\t\\b\\f\\u0001\\u001f\x7f\xc3\xa9\"}");
  EXPECT_EQ(boost::json::parse(text), boost::json::value(o));
}

TEST(JsonTextWrite, AppendsToWhatIsThere) {
  std::string out = "42";
  append_json(out, boost::json::array{"m", 0.5});
  EXPECT_EQ(out, R"(42["m",0.5])");
}

}  // namespace
}  // namespace soket::json_text
