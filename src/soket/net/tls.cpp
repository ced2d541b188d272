#include "soket/net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace soket::net {

namespace {

// Forward-secret AEAD suites for TLS 1.2 (TLS 1.3 has only such suites, OpenSSL's defaults).
// ECDHE-RSA-AES128-GCM-SHA256 is what the ESP8266's BearSSL picks.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL's most recent error as text (and the queue cleared), or "" when there is none.
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  std::string text;
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

void check_readable(const std::string& what, const std::string& path) {
  if (path.empty())
    throw TlsError("TLS " + what + " file not given (both a certificate and a key are needed)");
  std::ifstream file(path);
  if (!file)
    throw TlsError("cannot read the TLS " + what + " file " + path + ": " + std::strerror(errno));
}

}  // namespace

std::shared_ptr<TlsContext> TlsContext::load(TlsOptions options) {
  return std::shared_ptr<TlsContext>(new TlsContext(std::move(options)));
}

TlsContext::TlsContext(TlsOptions options)
    : options_(std::move(options)), current_(make(options_)) {}

std::shared_ptr<ssl::context> TlsContext::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void TlsContext::reload() {
  auto fresh = make(options_);
  std::lock_guard lock(mutex_);
  current_ = std::move(fresh);
}

std::shared_ptr<ssl::context> TlsContext::make(const TlsOptions& options) {
  check_readable("certificate", options.cert_file);
  check_readable("key", options.key_file);
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_ECDH_USE);
  // An idle connection gives its read/write buffers back (most Socket.IO connections are idle).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  // An encrypted key fails to load instead of asking for a passphrase on the terminal.
  SSL_CTX_set_default_passwd_cb(ctx, [](char*, int, int, void*) { return 0; });
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1)
    throw TlsError("TLS: the cipher list was refused: " + openssl_error());
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1)
    throw TlsError("the TLS certificate file " + options.cert_file +
                   " does not hold a PEM certificate (" + openssl_error() + ")");
  if (SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::string error = openssl_error();
    if (error.find("values mismatch") != std::string::npos ||
        error.find("key values mismatch") != std::string::npos)
      throw TlsError("the TLS key in " + options.key_file + " does not match the certificate in " +
                     options.cert_file);
    throw TlsError("the TLS key file " + options.key_file +
                   " does not hold an unencrypted PEM private key (" + error + ")");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    throw TlsError("the TLS key in " + options.key_file + " does not match the certificate in " +
                   options.cert_file);
  }
  return context;
}

}  // namespace soket::net
