#include "soket/hub/query_pool.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace soket::hub {

QueryPool::QueryPool(boost::asio::io_context& io, std::size_t threads) : io_(io), pool_(threads) {}

QueryPool::~QueryPool() {
  stop();
}

void QueryPool::lower_this_threads_priority() {
  thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
  // On Linux a nice value belongs to the thread (the id gettid() gives), not the whole process.
  auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  (void)::setpriority(PRIO_PROCESS, tid, 10);
}

void QueryPool::stop() {
  *alive_ = false;
  pool_.join();
}

}  // namespace soket::hub
