// Codec micro-benchmarks: Socket.IO packet encode/decode and the Engine.IO long-polling payload.
#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "soket/engineio/packet.hpp"
#include "soket/socketio/event_packet.hpp"
#include "soket/socketio/packet.hpp"
#include "soket/util/json_text.hpp"

using namespace soket;

namespace {

socketio::Message bench_message() {
  socketio::Message m;
  m.args.push_back(boost::json::parse(R"({"s":12,"t":123456789012,"p":"xxxxxxxxxxxxxxxx"})"));
  return m;
}

void BM_SocketIO_EncodeEvent(benchmark::State& state) {
  auto packet = socketio::make_event_packet("/", "msg", bench_message(), std::nullopt);
  for (auto _ : state) {
    auto encoded = socketio::encode(packet);
    benchmark::DoNotOptimize(encoded);
  }
}
BENCHMARK(BM_SocketIO_EncodeEvent);

void BM_SocketIO_EncodeAck(benchmark::State& state) {
  socketio::Message message;
  message.args.emplace_back("xxxxxxxxxxxxxxxx");
  auto packet = socketio::make_ack_packet("/", 1234, std::move(message));
  for (auto _ : state) {
    auto encoded = socketio::encode(packet);
    benchmark::DoNotOptimize(encoded);
  }
}
BENCHMARK(BM_SocketIO_EncodeAck);

void BM_SocketIO_DecodeEvent(benchmark::State& state) {
  std::string_view text = R"(2["bcast",{"s":12,"t":123456789012,"p":"xxxxxxxxxxxxxxxx"}])";
  socketio::Decoder decoder;
  for (auto _ : state) {
    if (decoder.add_text(text) != socketio::Decoder::Status::ready) state.SkipWithError("decode");
    auto packet = decoder.take();
    benchmark::DoNotOptimize(packet);
  }
}
BENCHMARK(BM_SocketIO_DecodeEvent);

void BM_SocketIO_DecodeEchoWithAck(benchmark::State& state) {
  std::string_view text = R"(21234["echo","xxxxxxxxxxxxxxxx"])";
  socketio::Decoder decoder;
  for (auto _ : state) {
    if (decoder.add_text(text) != socketio::Decoder::Status::ready) state.SkipWithError("decode");
    auto packet = decoder.take();
    benchmark::DoNotOptimize(packet);
  }
}
BENCHMARK(BM_SocketIO_DecodeEchoWithAck);

void BM_SocketIO_DecodeBinaryEvent(benchmark::State& state) {
  std::string_view text = R"(51-["upload",{"_placeholder":true,"num":0}])";
  auto bytes = make_shared_bytes(std::string(1024, 'b'));
  socketio::Decoder decoder;
  for (auto _ : state) {
    if (decoder.add_text(text) != socketio::Decoder::Status::need_attachment ||
        decoder.add_binary(bytes) != socketio::Decoder::Status::ready)
      state.SkipWithError("decode");
    auto packet = decoder.take();
    benchmark::DoNotOptimize(packet);
  }
}
BENCHMARK(BM_SocketIO_DecodeBinaryEvent);

// JSON text of the hub's telemetry event and of the event above: Boost.JSON's serializer (what
// the encoder used before) against json_text, which writes numbers as JavaScript does.
boost::json::value json_sample(std::int64_t which) {
  return boost::json::parse(
      which == 0 ? R"(["telemetry",{"device":"gh-1","ts":1733100000000,)"
                   R"("values":{"temp":22.2,"hum":61.5,"lux":1234.5,"soil":0.4175}}])"
                 : R"(["msg",{"s":12,"t":123456789012,"p":"xxxxxxxxxxxxxxxx"}])");
}

void BM_Json_BoostSerialize(benchmark::State& state) {
  auto value = json_sample(state.range(0));
  for (auto _ : state) {
    auto text = boost::json::serialize(value);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_Json_BoostSerialize)->Arg(0)->Arg(1);

void BM_Json_TextWriter(benchmark::State& state) {
  auto value = json_sample(state.range(0));
  for (auto _ : state) {
    auto text = json_text::to_json(value);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_Json_TextWriter)->Arg(0)->Arg(1);

std::vector<engineio::Frame> payload_frames(int n) {
  std::vector<engineio::Frame> frames;
  for (int i = 0; i < n; ++i) {
    if (i % 5 == 4)
      frames.push_back(engineio::Frame::binary_message(std::string(64, 'b')));
    else
      frames.push_back(engineio::Frame::message(R"(2["msg",{"s":12,"t":123456789012}])"));
  }
  return frames;
}

void BM_EngineIO_EncodePayload(benchmark::State& state) {
  auto frames = payload_frames(static_cast<int>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    engineio::encode_payload(frames, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EngineIO_EncodePayload)->Arg(1)->Arg(10)->Arg(100);

void BM_EngineIO_ParsePayload(benchmark::State& state) {
  auto frames = payload_frames(static_cast<int>(state.range(0)));
  std::string payload;
  engineio::encode_payload(frames, payload);
  std::vector<std::string> storage;
  for (auto _ : state) {
    auto packets = engineio::parse_payload(payload, storage);
    if (!packets) state.SkipWithError("parse");
    benchmark::DoNotOptimize(packets);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EngineIO_ParsePayload)->Arg(1)->Arg(10)->Arg(100);

}  // namespace
