#pragma once

#include <string>

namespace soket::store {

/// Makes what SQLite has written to a database's WAL durable, from any thread.
///
/// With synchronous=NORMAL a WAL commit writes its frames without fsync; SQLite still syncs the
/// WAL before a checkpoint copies it and the database after. One fdatasync() of the WAL file
/// after such a commit makes that commit as durable as synchronous=FULL would, and it may run
/// while the connection already writes the next transaction (frames written later are either
/// covered or not yet acknowledged).
class WalFileSync {
 public:
  /// Opens the WAL file `wal_path` (it must exist: the connection is in WAL mode and has read or
  /// written). Throws StoreError.
  explicit WalFileSync(const std::string& wal_path);
  WalFileSync(const WalFileSync&) = delete;
  WalFileSync& operator=(const WalFileSync&) = delete;
  ~WalFileSync();

  /// fdatasync() of the WAL file. Throws StoreError when it fails.
  void sync() const;

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace soket::store
