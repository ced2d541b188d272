#include "soket/store/store.hpp"

#include <gtest/gtest.h>

#include "store_backends.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <tuple>

namespace soket::store {

// Names the parameter in test listings ("full", "normal") instead of its bytes.
inline void PrintTo(SyncMode mode, std::ostream* out) {
  *out << (mode == SyncMode::full ? "full" : "normal");
}

namespace {

using namespace std::chrono_literals;

using testing::Backend;
using testing::StoreTarget;

constexpr std::int64_t kMaxReadings = 5'000'000;  // the child is killed long before this
constexpr std::size_t kKillAfterAcks = 20'000;

// Child: writes readings seq = 0, 1, 2... as fast as the writer takes them; each completion that
// reports a commit writes its seq to the pipe. Never returns.
[[noreturn]] void write_until_killed(const StoreOptions& options, int out) {
  try {
    Store store(options);
    if (store.writer().submit(UpsertDevice{.id = "esp", .ts = 0}) != SubmitResult::accepted)
      _exit(3);
    auto deadline = std::chrono::steady_clock::now() + 60s;
    for (std::int64_t seq = 0; seq < kMaxReadings; ++seq) {
      InsertReadings op{"esp", seq, {Sample{"seq", static_cast<double>(seq), std::nullopt}}};
      auto done = [out, seq](const WriteResult& r) {
        if (!r.ok()) _exit(4);
        if (write(out, &seq, sizeof seq) != sizeof seq) _exit(5);
      };
      while (store.writer().submit(op, done) == SubmitResult::queue_full) {
        if (std::chrono::steady_clock::now() > deadline) _exit(6);
        std::this_thread::sleep_for(100us);
      }
    }
  } catch (...) {
    _exit(7);
  }
  _exit(0);
}

class StoreCrash : public ::testing::TestWithParam<std::tuple<Backend, SyncMode>> {};

TEST_P(StoreCrash, SigkillLosesNoAcknowledgedReading) {
  auto [backend, sync] = GetParam();
  if (backend == Backend::postgresql && !testing::test_server_url()) {
    if (testing::postgres_required()) FAIL() << "no PostgreSQL test server";
    GTEST_SKIP() << "no PostgreSQL test server";
  }
  StoreTarget target(backend);
  auto options = target.options({.sync = sync});
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    write_until_killed(options, fds[1]);
  }
  close(fds[1]);

  std::set<std::int64_t> acked;
  bool killed = false;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  std::int64_t seq = 0;
  std::size_t have = 0;  // bytes of `seq` read so far
  for (;;) {
    if (!killed &&
        (acked.size() >= kKillAfterAcks || std::chrono::steady_clock::now() > deadline)) {
      ASSERT_EQ(kill(child, SIGKILL), 0);
      killed = true;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, 1000);
    ASSERT_GE(ready, 0);
    if (ready == 0) continue;  // the deadline check above bounds the loop
    ssize_t n = read(fds[0], reinterpret_cast<char*>(&seq) + have, sizeof seq - have);
    ASSERT_GE(n, 0);
    if (n == 0) break;  // every writer of the pipe is gone: the child is dead
    have += static_cast<std::size_t>(n);
    if (have == sizeof seq) {
      acked.insert(seq);
      have = 0;
    }
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  ASSERT_GE(acked.size(), kKillAfterAcks);

  std::set<std::int64_t> stored;
  for (const auto& value :
       target.column("SELECT value FROM readings WHERE device_id = 'esp' AND key = 'seq'"))
    stored.insert(static_cast<std::int64_t>(std::stod(value)));
  std::size_t missing = 0;
  for (auto s : acked)
    missing += stored.count(s) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged, " << stored.size()
                         << " stored";
  std::cout << "[ crash    ] acknowledged " << acked.size() << ", stored " << stored.size()
            << " (stored but unacknowledged: " << stored.size() - (acked.size() - missing) << ")\n";
}

INSTANTIATE_TEST_SUITE_P(StoreSync, StoreCrash,
                         ::testing::Combine(::testing::Values(Backend::sqlite, Backend::postgresql),
                                            ::testing::Values(SyncMode::full, SyncMode::normal)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) == Backend::sqlite
                                                  ? "sqlite_"
                                                  : "postgresql_") +
                                  (std::get<1>(info.param) == SyncMode::full ? "full" : "normal");
                         });

}  // namespace
}  // namespace soket::store
