#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace soket::net {

namespace ssl = boost::asio::ssl;

/// Where a TLS server finds its certificate and key (both PEM files).
struct TlsOptions {
  std::string cert_file;  ///< the certificate, optionally followed by its intermediates (a chain)
  std::string key_file;   ///< the private key, unencrypted

  /// Whether a certificate or key was given.
  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

/// A certificate or key that cannot be used; what() is a sentence that names the file.
class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A server's TLS configuration: TLS 1.2 and 1.3 only, forward-secret AEAD ciphers, the server's
/// cipher order, no renegotiation, no compression. reload() reads the files again (on SIGHUP):
/// connections accepted afterwards use the new certificate, those already open keep theirs.
/// current() and reload() may be called from any thread.
class TlsContext {
 public:
  /// Loads the files; throws TlsError when either is missing, unreadable, not PEM, or when the key
  /// is not the certificate's.
  static std::shared_ptr<TlsContext> load(TlsOptions options);

  /// The context for a new connection (the connection keeps it alive).
  std::shared_ptr<ssl::context> current() const;

  /// Loads the files again; on failure throws TlsError and keeps the previous certificate.
  void reload();

  /// The files it was loaded from.
  const TlsOptions& options() const { return options_; }

 private:
  explicit TlsContext(TlsOptions options);
  static std::shared_ptr<ssl::context> make(const TlsOptions& options);

  TlsOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<ssl::context> current_;
};

/// Shared ownership of a TLS configuration (listeners and servers share one).
using TlsContextPtr = std::shared_ptr<TlsContext>;

/// The first byte of a TLS record carrying a handshake message (a ClientHello opens with it).
inline constexpr unsigned char kTlsHandshakeRecord = 0x16;
/// The first byte of a TLS alert record (close_notify is one).
inline constexpr unsigned char kTlsAlertRecord = 0x15;

}  // namespace soket::net
