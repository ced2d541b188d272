#include "soket/engineio/deflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <new>

#include "soket/http/header_list.hpp"
#include "soket/util/ascii.hpp"

namespace soket::engineio {

namespace {

constexpr char kTail[4] = {0x00, 0x00, static_cast<char>(0xff), static_cast<char>(0xff)};
constexpr std::size_t kChunk = 16 * 1024;
constexpr int kMemLevel = 8;
// The decompressor always has the largest window: it reads what any smaller window produced.
constexpr int kInflateWindowBits = 15;

}  // namespace

// A zlib stream, ended with the object.
class ZlibStream {
 public:
  z_stream z{};
  bool deflating;

  ZlibStream(bool deflate, int window_bits) : deflating(deflate) {
    // Raw deflate: negative window bits. zlib refuses a raw window of 8; the handshake never
    // agrees to 8 for our compressor, and the decompressor always uses 15.
    int rc = deflate ? deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -window_bits, kMemLevel,
                                    Z_DEFAULT_STRATEGY)
                     : inflateInit2(&z, -window_bits);
    if (rc != Z_OK) throw std::bad_alloc();
  }
  ~ZlibStream() {
    if (deflating) {
      deflateEnd(&z);
    } else {
      inflateEnd(&z);
    }
  }
  ZlibStream(const ZlibStream&) = delete;
  ZlibStream& operator=(const ZlibStream&) = delete;
};

namespace {

using Stream = ZlibStream;

// The compressors and the decompressor of the io thread for sides without context takeover.
Stream& thread_deflater(int window_bits) {
  thread_local std::array<std::unique_ptr<Stream>, 16> streams;
  auto& stream = streams[static_cast<std::size_t>(window_bits)];
  if (!stream) stream = std::make_unique<ZlibStream>(true, window_bits);
  return *stream;
}

Stream& thread_inflater() {
  thread_local std::unique_ptr<Stream> stream;
  if (!stream) stream = std::make_unique<ZlibStream>(false, kInflateWindowBits);
  return *stream;
}

// The last message compressed without context takeover on this thread, for the next receiver of
// the same broadcast.
struct LastCompressed {
  SharedBytes source;
  int window_bits = 0;
  SharedBytes compressed;
};

std::string deflate_sync(z_stream& z, std::string_view in) {
  std::string out;
  out.resize(in.size() / 2 + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::size_t produced = 0;
  for (;;) {
    if (produced == out.size()) out.resize(out.size() * 2);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(out.size() - produced);
    deflate(&z, Z_SYNC_FLUSH);
    produced = out.size() - z.avail_out;
    if (z.avail_out != 0 && z.avail_in == 0) break;
  }
  out.resize(produced);
  // A sync flush ends with an empty stored block, 00 00 ff ff, which the frame leaves out.
  if (out.size() >= 4 && std::memcmp(out.data() + out.size() - 4, kTail, 4) == 0)
    out.resize(out.size() - 4);
  return out;
}

}  // namespace

PerMessageDeflate::PerMessageDeflate(const DeflateParams& params) : params_(params) {}
PerMessageDeflate::~PerMessageDeflate() = default;

SharedBytes PerMessageDeflate::compress(const SharedBytes& message) {
  int bits = params_.server_max_window_bits;
  if (!params_.server_no_context_takeover) {
    if (!deflater_) deflater_ = std::make_unique<ZlibStream>(true, bits);
    return make_shared_bytes(deflate_sync(deflater_->z, *message));
  }
  thread_local LastCompressed last;
  if (last.source == message && last.window_bits == bits) return last.compressed;
  Stream& stream = thread_deflater(bits);
  auto compressed = make_shared_bytes(deflate_sync(stream.z, *message));
  deflateReset(&stream.z);
  last = {message, bits, compressed};
  return compressed;
}

PerMessageDeflate::InflateResult PerMessageDeflate::inflate(std::string_view compressed,
                                                            std::size_t max_size,
                                                            std::string& out) {
  bool shared = params_.client_no_context_takeover;
  if (!shared && !inflater_) inflater_ = std::make_unique<ZlibStream>(false, kInflateWindowBits);
  z_stream& z = shared ? thread_inflater().z : inflater_->z;
  out.clear();
  std::size_t produced = 0;
  InflateResult result = InflateResult::ok;
  bool ended = false;
  // The message, then the tail the sender left out (§7.2.2).
  for (std::string_view in : {compressed, std::string_view(kTail, 4)}) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    for (;;) {
      // Grows the output up to one byte past the limit, which is how passing it shows.
      if (produced == out.size()) out.resize(std::min(out.size() + kChunk, max_size + 1));
      z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      z.avail_out = static_cast<uInt>(out.size() - produced);
      int rc = ::inflate(&z, Z_SYNC_FLUSH);
      produced = out.size() - z.avail_out;
      if (produced > max_size) {
        result = InflateResult::too_big;
      } else if (rc == Z_STREAM_END) {
        ended = true;  // the sender closed the deflate stream (BFINAL): the rest is ignored
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        result = InflateResult::corrupt;
      } else if (z.avail_out != 0) {
        break;  // the input is used up and all its output is out
      } else {
        continue;  // the output is full: more may be pending
      }
      break;
    }
    if (result != InflateResult::ok || ended) break;
  }
  out.resize(result == InflateResult::ok ? produced : 0);
  if (shared || ended || result != InflateResult::ok) inflateReset(&z);
  return result;
}

namespace {

// A window-bits parameter value, quoted or not; 0 when it is not 8..15.
int window_bits_value(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    value = value.substr(1, value.size() - 2);
  if (value.size() == 1 && value[0] >= '8' && value[0] <= '9') return value[0] - '0';
  if (value.size() == 2 && value[0] == '1' && value[1] >= '0' && value[1] <= '5')
    return 10 + (value[1] - '0');
  return 0;
}

std::optional<DeflateAgreement> agree(const http::HeaderElement& offer,
                                      const PerMessageDeflateOptions& options) {
  bool server_no_context = false, client_no_context = false;
  int server_bits = 0;  // 0: not offered
  int client_bits = 0;  // 0: not offered, -1: offered without a value
  for (const auto& [name, value] : offer.params) {
    if (name == "server_no_context_takeover" && !server_no_context && value.empty()) {
      server_no_context = true;
    } else if (name == "client_no_context_takeover" && !client_no_context && value.empty()) {
      client_no_context = true;
    } else if (name == "server_max_window_bits" && server_bits == 0) {
      server_bits = window_bits_value(value);
      if (server_bits == 0) return std::nullopt;
    } else if (name == "client_max_window_bits" && client_bits == 0) {
      client_bits = value.empty() ? -1 : window_bits_value(value);
      if (client_bits == 0) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  int our_server_bits = std::clamp(options.server_max_window_bits, 9, 15);
  int our_client_bits = std::clamp(options.client_max_window_bits, 8, 15);
  if (server_bits == 8) return std::nullopt;
  DeflateAgreement a;
  a.params.threshold = options.threshold;
  a.params.server_no_context_takeover = server_no_context || options.server_no_context_takeover;
  a.params.client_no_context_takeover = client_no_context || options.client_no_context_takeover;
  a.params.server_max_window_bits =
      server_bits ? std::min(server_bits, our_server_bits) : our_server_bits;
  a.response = "permessage-deflate";
  if (a.params.server_no_context_takeover) a.response += "; server_no_context_takeover";
  if (a.params.client_no_context_takeover) a.response += "; client_no_context_takeover";
  if (server_bits || a.params.server_max_window_bits < 15)
    a.response += "; server_max_window_bits=" + std::to_string(a.params.server_max_window_bits);
  if (client_bits > 0 || (client_bits < 0 && our_client_bits < 15)) {
    a.params.client_max_window_bits = std::min(client_bits > 0 ? client_bits : 15, our_client_bits);
    a.response += "; client_max_window_bits=" + std::to_string(a.params.client_max_window_bits);
  }
  return a;
}

}  // namespace

std::optional<DeflateAgreement> negotiate_deflate(std::string_view offers,
                                                  const PerMessageDeflateOptions& options) {
  auto list = http::parse_header_list(offers);
  if (!list) return std::nullopt;  // a malformed header: the extension is declined
  for (const auto& offer : *list) {
    if (!iequals_ascii(offer.name, "permessage-deflate")) continue;
    if (auto agreement = agree(offer, options)) return agreement;
  }
  return std::nullopt;
}

namespace {

// How an Accept-Encoding header rates one coding, as the reference (the negotiator package) does:
// the entry naming it beats "*", then the higher q, then the later entry.
struct CodingRating {
  double q = 0;
  int specificity = -1;  // -1: no entry covers the coding; 0: "*"; 1: named
  std::size_t position = 0;
};

double quality(const http::HeaderElement& coding) {
  for (const auto& [name, value] : coding.params) {
    if (!iequals_ascii(name, "q")) continue;
    try {
      return std::stod(std::string(value));
    } catch (const std::exception&) {
      return 0;  // unreadable: not acceptable
    }
  }
  return 1;
}

void rate(CodingRating& rating, int specificity, double q, std::size_t position) {
  if (specificity > rating.specificity || (specificity == rating.specificity && q >= rating.q))
    rating = {q, specificity, position};
}

}  // namespace

HttpEncoding choose_http_encoding(std::string_view accept_encoding) {
  CodingRating gzip, deflate;
  std::size_t position = 0;
  auto codings = http::parse_header_list(accept_encoding);
  if (!codings) return HttpEncoding::identity;
  for (const auto& coding : *codings) {
    double q = quality(coding);
    if (coding.name == "*") {
      rate(gzip, 0, q, position);
      rate(deflate, 0, q, position);
    } else if (iequals_ascii(coding.name, "gzip")) {
      rate(gzip, 1, q, position);
    } else if (iequals_ascii(coding.name, "deflate")) {
      rate(deflate, 1, q, position);
    }
    ++position;
  }
  bool gzip_ok = gzip.q > 0, deflate_ok = deflate.q > 0;
  if (!gzip_ok && !deflate_ok) return HttpEncoding::identity;
  if (gzip_ok != deflate_ok) return gzip_ok ? HttpEncoding::gzip : HttpEncoding::deflate;
  // Both acceptable: the higher q, then the named one, then the one listed first, then gzip.
  if (gzip.q != deflate.q) return gzip.q > deflate.q ? HttpEncoding::gzip : HttpEncoding::deflate;
  if (gzip.specificity != deflate.specificity)
    return gzip.specificity > deflate.specificity ? HttpEncoding::gzip : HttpEncoding::deflate;
  return deflate.position < gzip.position ? HttpEncoding::deflate : HttpEncoding::gzip;
}

std::string http_compress(std::string_view body, HttpEncoding encoding) {
  // 15 window bits with the zlib header; +16 for the gzip one.
  int window_bits = encoding == HttpEncoding::gzip ? 15 + 16 : 15;
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, kMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::bad_alloc();
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(body.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);  // deflateBound() leaves room for all of it in one call
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

}  // namespace soket::engineio
