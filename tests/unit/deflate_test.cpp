#include <gtest/gtest.h>

#include <zlib.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "soket/engineio/deflate.hpp"

using namespace soket;
using namespace soket::engineio;

namespace {

std::string random_text(std::size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(size, ' ');
  for (auto& c : s)
    c = static_cast<char>('a' + rng() % 8);
  return s;
}

// zlib's own decoder of an HTTP body: gzip (31) or zlib (15) format.
std::string http_decompress(const std::string& body, int window_bits) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, window_bits), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

}  // namespace

TEST(Deflate, NegotiatesAsTheClientOffers) {
  PerMessageDeflateOptions options;
  options.enabled = true;
  auto plain = negotiate_deflate("permessage-deflate; client_max_window_bits", options);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->response, "permessage-deflate");
  EXPECT_FALSE(plain->params.server_no_context_takeover);

  auto all = negotiate_deflate(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
      "server_max_window_bits=10; client_max_window_bits=\"11\"",
      options);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->response,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=10; client_max_window_bits=11");
  EXPECT_EQ(all->params.server_max_window_bits, 10);
  EXPECT_EQ(all->params.client_max_window_bits, 11);

  // The first acceptable offer wins; bad ones are declined.
  auto second = negotiate_deflate(
      "permessage-deflate; server_max_window_bits=8, permessage-deflate; x=1, "
      "permessage-deflate; server_max_window_bits=12",
      options);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->params.server_max_window_bits, 12);
  // A plain fallback offer after one that is declined.
  auto fallback = negotiate_deflate(
      "permessage-deflate; server_max_window_bits=8, permessage-deflate", options);
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->response, "permessage-deflate");
  EXPECT_FALSE(negotiate_deflate("permessage-deflate; server_max_window_bits=\"10", options));
  EXPECT_FALSE(negotiate_deflate("x-webkit-deflate-frame", options));
  EXPECT_FALSE(negotiate_deflate("permessage-deflate; server_max_window_bits=16", options));
  EXPECT_FALSE(negotiate_deflate("permessage-deflate; server_max_window_bits", options));
  EXPECT_FALSE(negotiate_deflate(
      "permessage-deflate; client_no_context_takeover; client_no_context_takeover", options));
  EXPECT_FALSE(negotiate_deflate("permessage-deflate; server_no_context_takeover=1", options));

  options.server_no_context_takeover = true;
  options.server_max_window_bits = 12;
  auto ours = negotiate_deflate("permessage-deflate", options);
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours->response,
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=12");
}

// Found by fuzz_http_headers: names that differ from "permessage-deflate", "gzip" or "q" only in
// case went through boost::beast::iequals, which reads a byte past the end of both strings (an
// ASan heap-buffer-overflow when the header value ends the buffer). Each value here sits in a heap
// buffer of exactly its size, so the asan preset catches any read beyond it.
TEST(Deflate, NamesInAnyCaseAreReadWithinTheirBytes) {
  auto exact = [](std::string_view text) {
    auto bytes = std::make_unique<char[]>(text.size());
    std::memcpy(bytes.get(), text.data(), text.size());
    return bytes;
  };
  PerMessageDeflateOptions options;
  options.enabled = true;
  for (std::string_view offer :
       {"peRmessage-deflate", "PERMESSAGE-DEFLATE", "permessage-deflatE"}) {
    auto bytes = exact(offer);
    auto agreement = negotiate_deflate(std::string_view(bytes.get(), offer.size()), options);
    ASSERT_TRUE(agreement) << offer;
    EXPECT_EQ(agreement->response, "permessage-deflate");
  }
  auto declined = exact("permessage-deflatX");
  EXPECT_FALSE(negotiate_deflate(std::string_view(declined.get(), 18), options));
  for (std::string_view accept : {"GZIP", "gzip;Q=1", "Deflate;q=0.5, gziP;q=0.1"}) {
    auto bytes = exact(accept);
    EXPECT_NE(choose_http_encoding(std::string_view(bytes.get(), accept.size())),
              HttpEncoding::identity)
        << accept;
  }
}

TEST(Deflate, RoundTripsWithAndWithoutContextTakeover) {
  for (bool no_context : {false, true}) {
    DeflateParams params;
    params.server_no_context_takeover = no_context;
    params.client_no_context_takeover = no_context;
    PerMessageDeflate server(params), client(params);
    for (unsigned i = 0; i < 5; ++i) {
      auto message = make_shared_bytes(random_text(3000 + i * 20000, i));
      auto compressed = server.compress(message);
      EXPECT_LT(compressed->size(), message->size());
      std::string out;
      ASSERT_EQ(client.inflate(*compressed, 1'000'000, out), PerMessageDeflate::InflateResult::ok);
      EXPECT_EQ(out, *message);
    }
  }
}

TEST(Deflate, ABroadcastIsCompressedOnceWithoutServerContextTakeover) {
  DeflateParams params;
  params.server_no_context_takeover = true;
  PerMessageDeflate a(params), b(params);
  auto message = make_shared_bytes(random_text(5000, 7));
  EXPECT_EQ(a.compress(message), b.compress(message));  // the same shared bytes
  DeflateParams takeover;
  PerMessageDeflate c(takeover);
  EXPECT_NE(c.compress(message), a.compress(message));
}

TEST(Deflate, StopsABombAtTheLimitAndRefusesGarbage) {
  DeflateParams params;
  PerMessageDeflate sender(params), receiver(params);
  auto zeros = make_shared_bytes(std::string(10'000'000, '\0'));
  auto bomb = sender.compress(zeros);
  EXPECT_LT(bomb->size(), 20'000u);
  std::string out;
  EXPECT_EQ(receiver.inflate(*bomb, 1'000'000, out), PerMessageDeflate::InflateResult::too_big);
  EXPECT_LE(out.capacity(), 1'100'000u);
  PerMessageDeflate fresh(params);
  EXPECT_EQ(fresh.inflate("\xff\xff\xff\xff", 1000, out),
            PerMessageDeflate::InflateResult::corrupt);
}

TEST(Deflate, HttpEncodingFollowsAcceptEncoding) {
  EXPECT_EQ(choose_http_encoding(""), HttpEncoding::identity);
  EXPECT_EQ(choose_http_encoding("gzip, deflate, br"), HttpEncoding::gzip);
  EXPECT_EQ(choose_http_encoding("deflate"), HttpEncoding::deflate);
  EXPECT_EQ(choose_http_encoding("gzip;q=0.5, deflate"), HttpEncoding::deflate);
  EXPECT_EQ(choose_http_encoding("gzip;q=0, deflate;q=0"), HttpEncoding::identity);
  EXPECT_EQ(choose_http_encoding("identity"), HttpEncoding::identity);
  EXPECT_EQ(choose_http_encoding("*"), HttpEncoding::gzip);
  // Ties go as in the reference's negotiator: the named coding, then the one listed first.
  EXPECT_EQ(choose_http_encoding("deflate, gzip"), HttpEncoding::deflate);
  EXPECT_EQ(choose_http_encoding("*, deflate"), HttpEncoding::deflate);
  EXPECT_EQ(choose_http_encoding("*;q=0.5, gzip;q=0"), HttpEncoding::deflate);
  EXPECT_EQ(choose_http_encoding("GZIP;q=0.2, deflate;q=0.1"), HttpEncoding::gzip);
  EXPECT_EQ(choose_http_encoding("gzip;q=x"), HttpEncoding::identity);
  std::string body = random_text(4000, 3);
  EXPECT_EQ(http_decompress(http_compress(body, HttpEncoding::gzip), 31), body);
  EXPECT_EQ(http_decompress(http_compress(body, HttpEncoding::deflate), 15), body);
}
