#include "soket/store/store.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace soket::store {
namespace {

using namespace std::chrono_literals;

using soket::testing::TempDir;

struct BenchCase {
  SyncMode sync;
  int producers;
  int samples_per_op;
};

void PrintTo(const BenchCase& bench, std::ostream* out) {
  *out << (bench.sync == SyncMode::full ? "full" : "normal") << ", " << bench.producers
       << " producer(s), " << bench.samples_per_op << " sample(s)/op";
}

class StoreBench : public ::testing::TestWithParam<BenchCase> {};

// Prints the sustained write rate; checks only that every reading arrived (not the speed, which
// depends on the machine and its load).
TEST_P(StoreBench, WriteRate) {
  const BenchCase bench = GetParam();
  constexpr int kReadings = 200'000;
  const int ops_per_producer = kReadings / bench.samples_per_op / bench.producers;
  TempDir dir;
  Store store({.path = dir.file("bench.db"), .sync = bench.sync});
  ASSERT_EQ(store.writer().submit(UpsertDevice{.id = "esp", .ts = 0}), SubmitResult::accepted);

  auto cpu_seconds = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  };
  const double cpu_start = cpu_seconds();
  std::atomic<int> completed{0};
  std::atomic<int> failed{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> producers;
  for (int p = 0; p < bench.producers; ++p) {
    producers.emplace_back([&, p] {
      auto deadline = std::chrono::steady_clock::now() + 120s;
      for (int i = 0; i < ops_per_producer; ++i) {
        InsertReadings op{"esp", std::int64_t{p} * ops_per_producer + i, {}};
        for (int s = 0; s < bench.samples_per_op; ++s)
          op.samples.push_back(Sample{"k" + std::to_string(s), double(i), std::nullopt});
        auto done = [&](const WriteResult& r) {
          if (!r.ok()) failed.fetch_add(1);
          completed.fetch_add(1);
        };
        while (store.writer().submit(op, done) == SubmitResult::queue_full &&
               std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(50us);
      }
    });
  }
  for (auto& producer : producers)
    producer.join();
  store.stop();
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;

  const int ops = ops_per_producer * bench.producers;
  EXPECT_EQ(completed.load(), ops);
  EXPECT_EQ(failed.load(), 0);
  auto metrics = store.writer().metrics();
  EXPECT_EQ(metrics.rows_written, 1u + std::uint64_t(ops) * bench.samples_per_op);
  std::cout << "[ rate     ] sync=" << (bench.sync == SyncMode::full ? "FULL" : "NORMAL")
            << " producers=" << bench.producers << " samples/op=" << bench.samples_per_op << ": "
            << static_cast<long>(ops * bench.samples_per_op / seconds) << " readings/s, "
            << static_cast<long>(ops / seconds) << " ops/s ("
            << static_cast<long>(ops * bench.samples_per_op / cpu) << " readings per CPU-second); "
            << metrics.batches_committed << " batches, avg " << metrics.avg_batch_us << " us, max "
            << metrics.max_batch_us << " us\n";
}

INSTANTIATE_TEST_SUITE_P(
    StoreRate, StoreBench,
    ::testing::Values(BenchCase{SyncMode::full, 1, 1}, BenchCase{SyncMode::full, 2, 1},
                      BenchCase{SyncMode::full, 1, 3}, BenchCase{SyncMode::normal, 1, 1}),
    [](const auto& info) {
      return std::string(info.param.sync == SyncMode::full ? "full" : "normal") + "_p" +
             std::to_string(info.param.producers) + "_s" +
             std::to_string(info.param.samples_per_op);
    });

}  // namespace
}  // namespace soket::store
