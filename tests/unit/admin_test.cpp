// The admin UI's building blocks: bcrypt hashes as the Node admin UI makes them (bcryptjs), and the
// per-second event counts of server_stats.
#include <gtest/gtest.h>

#include <string>

#include "soket/admin/bcrypt.hpp"
#include "soket/admin/event_buffer.hpp"

using namespace soket::admin;

namespace {
// bcryptjs.hashSync("s3cret-pass", 4) and the same with "$2b$" (Python bcrypt, libxcrypt).
const std::string kHash2a = "$2a$04$atuYW9JcSC8mbU.Q61kwB.hJSD/JENWsvoNogB.9ucANSbA.vkqsq";
}  // namespace

TEST(AdminBcrypt, MatchesTheRightPasswordOnly) {
  EXPECT_TRUE(bcrypt_matches("s3cret-pass", kHash2a));
  EXPECT_FALSE(bcrypt_matches("s3cret-pasS", kHash2a));
  EXPECT_FALSE(bcrypt_matches("", kHash2a));
  EXPECT_FALSE(bcrypt_matches(std::string("s3cret-pass\0x", 13), kHash2a));
}

TEST(AdminBcrypt, RefusesWhatIsNoBcryptHash) {
  EXPECT_TRUE(is_bcrypt_hash(kHash2a));
  EXPECT_FALSE(is_bcrypt_hash(""));
  EXPECT_FALSE(is_bcrypt_hash("s3cret-pass"));
  EXPECT_FALSE(is_bcrypt_hash("$1$abc$def"));                                     // MD5 crypt
  EXPECT_FALSE(is_bcrypt_hash("$2a$03$" + kHash2a.substr(7)));                    // cost too low
  EXPECT_FALSE(is_bcrypt_hash("$2x$04$" + kHash2a.substr(7)));                    // unknown variant
  EXPECT_FALSE(is_bcrypt_hash(kHash2a.substr(0, 59)));                            // truncated
  EXPECT_FALSE(is_bcrypt_hash("$2a$04$" + std::string(52, 'a') + "!"));           // bad character
  EXPECT_FALSE(bcrypt_matches("s3cret-pass", "$2a$04$" + std::string(53, '.')));  // wrong digest
}

TEST(AdminEventBuffer, CountsPerSecondAndTypeThenEmpties) {
  EventBuffer buffer;
  buffer.push(1'700'000'000'123, "rawConnection");
  buffer.push(1'700'000'000'999, "rawConnection");
  buffer.push(1'700'000'001'000, "rawConnection");
  buffer.push(1'700'000'000'500, "rawDisconnection", "transport close");
  auto values = buffer.take();
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0].at("timestamp").as_int64(), 1'700'000'000'000);
  EXPECT_EQ(values[0].at("type").as_string(), "rawConnection");
  EXPECT_EQ(values[0].at("count").as_int64(), 2);
  EXPECT_FALSE(values[0].as_object().contains("subType"));
  EXPECT_EQ(values[1].at("subType").as_string(), "transport close");
  EXPECT_EQ(values[2].at("timestamp").as_int64(), 1'700'000'001'000);
  EXPECT_TRUE(buffer.empty());
  EXPECT_TRUE(buffer.take().empty());
}
