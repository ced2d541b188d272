#pragma once

// Slow read-only queries (history pages, CSV exports, chart history) run here, on a few threads of
// their own, so that the io thread that answers devices never waits for one.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <utility>

namespace soket::hub {

/// Worker threads for the store's slow queries (REST and dashboard history), so that they never
/// block the io thread; results are handed back to it.
class QueryPool {
 public:
  /// `threads` workers; results come back to `io`.
  QueryPool(boost::asio::io_context& io, std::size_t threads);
  /// Waits for the queries that run (stop()).
  ~QueryPool();
  QueryPool(const QueryPool&) = delete;
  QueryPool& operator=(const QueryPool&) = delete;

  /// Runs `work()` on a worker, then `done(result)` on the io thread. After stop(), or when the
  /// pool is gone before the io thread gets to it, `done` is not called.
  template <typename Work, typename Done>
  void run(Work work, Done done) {
    boost::asio::post(pool_, [this, alive = alive_, work = std::move(work),
                              done = std::move(done)]() mutable {
      if (!*alive) return;
      lower_this_threads_priority();
      auto result = work();
      boost::asio::post(io_, [alive, done = std::move(done), result = std::move(result)]() mutable {
        if (*alive) done(std::move(result));
      });
    });
  }

  /// Drops the queries not started yet and waits for those that run.
  void stop();

 private:
  /// Queries yield the CPU to the io thread and the store's writer (on a small machine they
  /// compete for the same cores): the first time a worker runs, it lowers its own priority.
  static void lower_this_threads_priority();

  boost::asio::io_context& io_;
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  boost::asio::thread_pool pool_;
};

}  // namespace soket::hub
