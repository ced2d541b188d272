#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "soket/engineio/options.hpp"
#include "soket/util/bytes.hpp"

namespace soket::engineio {

class ZlibStream;

/// The permessage-deflate parameters both sides agreed on in the opening handshake (RFC 7692 §7).
struct DeflateParams {
  int server_max_window_bits = 15;  ///< our compressor's window
  int client_max_window_bits = 15;  ///< the client's compressor's window, so our decompressor's
  /// The server resets its compressor after each message (less memory, worse ratio).
  bool server_no_context_takeover = false;
  /// The client resets its compressor after each message, so no inflater state is kept for it.
  bool client_no_context_takeover = false;
  std::size_t threshold = 1024;  ///< smaller messages go uncompressed
};

/// The server's answer to a client's permessage-deflate offers: what both sides use and the
/// Sec-WebSocket-Extensions response value.
struct DeflateAgreement {
  DeflateParams params;  ///< the parameters both sides use
  std::string response;  ///< the Sec-WebSocket-Extensions value to answer with
};

/// Picks the first acceptable permessage-deflate offer of `offers` (the request's
/// Sec-WebSocket-Extensions value; RFC 7692 §5, §7.1). nullopt when there is none: an offer with
/// an unknown, repeated or malformed parameter, or a compressor window of 8, is declined.
std::optional<DeflateAgreement> negotiate_deflate(std::string_view offers,
                                                  const PerMessageDeflateOptions& options);

/// One connection's permessage-deflate state (zlib raw deflate). A side with context takeover
/// keeps its zlib stream for the connection's life (created on first use); a side without it
/// needs none of its own: messages are compressed or inflated with a stream of the io thread,
/// reset after each. Without server context takeover a message compresses to the same bytes for
/// every connection with the same window, so compress() of one broadcast buffer to many
/// connections of a thread runs zlib once and hands out the same shared bytes.
class PerMessageDeflate {
 public:
  /// The state of one connection that agreed on `params`.
  explicit PerMessageDeflate(const DeflateParams& params);
  ~PerMessageDeflate();
  PerMessageDeflate(const PerMessageDeflate&) = delete;
  PerMessageDeflate& operator=(const PerMessageDeflate&) = delete;

  /// The parameters agreed on.
  const DeflateParams& params() const { return params_; }

  /// The compressed form of a whole message (the 00 00 ff ff tail removed, §7.2.1).
  SharedBytes compress(const SharedBytes& message);

  /// How inflate() ended.
  ///
  /// `ok`: `out` holds the message; `too_big`: the message would pass `max_size`; `corrupt`: the
  /// data is not valid deflate.
  enum class InflateResult { ok, too_big, corrupt };
  /// Inflates one compressed message into `out` (replaced); too_big as soon as the output would
  /// pass `max_size` (a decompression bomb is stopped without inflating it all).
  InflateResult inflate(std::string_view compressed, std::size_t max_size, std::string& out);

 private:
  DeflateParams params_;
  std::unique_ptr<ZlibStream> deflater_;  // with server context takeover only
  std::unique_ptr<ZlibStream> inflater_;  // with client context takeover only
};

/// HTTP content codings for polling responses.
enum class HttpEncoding { identity, gzip, deflate };

/// The coding to use for an Accept-Encoding header value, chosen as the reference server does:
/// gzip or deflate by the client's q-values (a named coding before "*", then the one the client
/// lists first, then gzip), identity when neither is acceptable.
HttpEncoding choose_http_encoding(std::string_view accept_encoding);

/// `body` compressed as gzip (RFC 1952) or deflate (the zlib format, RFC 1950).
std::string http_compress(std::string_view body, HttpEncoding encoding);

}  // namespace soket::engineio
