// net::TlsContext: the certificate and key files, their errors, and reload().
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "soket/net/tls.hpp"
#include "temp_dir.hpp"

namespace {

using soket::net::TlsContext;
using soket::net::TlsError;

// A self-signed P-256 certificate with this CN, made by the openssl command.
void make_cert(const soket::testing::TempDir& dir, const std::string& name) {
  std::string command = "cd '" + dir.path().string() +
                        "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                        "-nodes -days 1 -subj '/CN=" +
                        name + "' -keyout " + name + ".key -out " + name + ".pem 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

std::string common_name(const std::shared_ptr<soket::net::ssl::context>& context) {
  X509* cert = SSL_CTX_get0_certificate(context->native_handle());
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
  return name;
}

std::string error_of(const std::string& cert, const std::string& key) {
  try {
    TlsContext::load({cert, key});
  } catch (const TlsError& e) {
    return e.what();
  }
  return "";
}

TEST(TlsContext, LoadsAndAllowsOnlyTls12AndUp) {
  soket::testing::TempDir dir;
  make_cert(dir, "one");
  auto tls = TlsContext::load({dir.file("one.pem").string(), dir.file("one.key").string()});
  auto context = tls->current();
  EXPECT_EQ(common_name(context), "one");
  EXPECT_EQ(SSL_CTX_get_min_proto_version(context->native_handle()), TLS1_2_VERSION);
  EXPECT_TRUE(SSL_CTX_get_options(context->native_handle()) & SSL_OP_CIPHER_SERVER_PREFERENCE);
}

TEST(TlsContext, EachBadFileHasItsSentence) {
  soket::testing::TempDir dir;
  make_cert(dir, "one");
  make_cert(dir, "two");
  std::ofstream(dir.file("junk.pem")) << "junk\n";
  auto cert = dir.file("one.pem").string();
  auto key = dir.file("one.key").string();
  EXPECT_EQ(error_of(dir.file("none.pem").string(), key), "cannot read the TLS certificate file " +
                                                              dir.file("none.pem").string() +
                                                              ": No such file or directory");
  EXPECT_EQ(error_of(cert, dir.file("none.key").string()), "cannot read the TLS key file " +
                                                               dir.file("none.key").string() +
                                                               ": No such file or directory");
  EXPECT_EQ(error_of(dir.file("junk.pem").string(), key)
                .rfind("the TLS certificate file " + dir.file("junk.pem").string() +
                           " does not hold a PEM certificate",
                       0),
            0u);
  EXPECT_EQ(error_of(cert, dir.file("two.key").string()),
            "the TLS key in " + dir.file("two.key").string() +
                " does not match the certificate in " + cert);
  EXPECT_NE(error_of(cert, dir.file("junk.pem").string()).find("unencrypted PEM private key"),
            std::string::npos);
  EXPECT_NE(error_of(cert, "").find("TLS key file not given"), std::string::npos);
}

TEST(TlsContext, ReloadTakesTheNewFilesOrKeepsTheOld) {
  soket::testing::TempDir dir;
  make_cert(dir, "one");
  make_cert(dir, "two");
  auto live_cert = dir.file("live.pem");
  auto live_key = dir.file("live.key");
  std::filesystem::copy_file(dir.file("one.pem"), live_cert);
  std::filesystem::copy_file(dir.file("one.key"), live_key);
  auto tls = TlsContext::load({live_cert.string(), live_key.string()});
  auto first = tls->current();
  EXPECT_EQ(common_name(first), "one");

  auto overwrite = std::filesystem::copy_options::overwrite_existing;
  std::filesystem::copy_file(dir.file("two.pem"), live_cert, overwrite);
  std::filesystem::copy_file(dir.file("two.key"), live_key, overwrite);
  tls->reload();
  EXPECT_EQ(common_name(tls->current()), "two");
  EXPECT_EQ(common_name(first), "one");  // a connection that holds the old one keeps it

  std::filesystem::copy_file(dir.file("one.key"), live_key, overwrite);  // not two's key
  EXPECT_THROW(tls->reload(), TlsError);
  EXPECT_EQ(common_name(tls->current()), "two");
}

}  // namespace
