#include "soket/store/wal_file_sync.hpp"

#include "soket/store/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace soket::store {

WalFileSync::WalFileSync(const std::string& wal_path) : path_(wal_path) {
  // Read-only is enough: fdatasync() flushes the file's data whatever the descriptor's mode.
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw StoreError("cannot open the WAL file " + path_ + ": " + std::strerror(errno));
}

WalFileSync::~WalFileSync() {
  if (fd_ >= 0) ::close(fd_);
}

void WalFileSync::sync() const {
  int rc = 0;
  do {
    rc = ::fdatasync(fd_);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) throw StoreError("fdatasync of " + path_ + " failed: " + std::strerror(errno));
}

}  // namespace soket::store
