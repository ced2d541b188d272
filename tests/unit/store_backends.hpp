#pragma once

#include "soket/store/options.hpp"
#include "soket/store/postgres.hpp"
#include "soket/store/sqlite.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

// The store tests run against both backends: TEST_P on a fixture deriving from BackendTest,
// instantiated with SOKET_STORE_BACKENDS(Suite). The PostgreSQL cases use the throwaway server
// tests/support/pg_server.sh starts for ctest (URL in <build>/pg-test/url, or $SOKET_TEST_PG_URL);
// each test gets a database of its own. Under ctest ($SOKET_TEST_PG_REQUIRED) a missing server
// fails the PostgreSQL cases; run by hand without one, they are skipped.
namespace soket::store::testing {

enum class Backend { sqlite, postgresql };

inline void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::sqlite ? "sqlite" : "postgresql");
}

/// The test server's URL (of its maintenance database), or nullopt when there is none.
std::optional<std::string> test_server_url();
/// True when the PostgreSQL cases must run (under ctest).
bool postgres_required();

/// A fresh, empty place for one store: a file in a temporary directory, or a new database on the
/// test server (dropped at the end).
class StoreTarget {
 public:
  /// For PostgreSQL, throws when there is no test server (check available() first).
  explicit StoreTarget(Backend backend);
  ~StoreTarget();
  StoreTarget(const StoreTarget&) = delete;
  StoreTarget& operator=(const StoreTarget&) = delete;

  Backend backend() const { return backend_; }
  /// `base` with path (SQLite) or url (PostgreSQL) set to this target.
  StoreOptions options(StoreOptions base = {}) const;
  /// Runs SQL on the store's database through a connection of its own.
  void exec(const std::string& sql) const;
  /// The first column of every row of `sql`, as text.
  std::vector<std::string> column(const std::string& sql) const;
  const std::string& url() const { return url_; }
  const soket::testing::TempDir& dir() const { return dir_; }

 private:
  Backend backend_;
  soket::testing::TempDir dir_;
  std::string admin_url_;
  std::string database_;
  std::string url_;
};

/// Base of a store test fixture parametrized by backend: SetUp() makes target_ (skipping or
/// failing the PostgreSQL case when there is no server, see above).
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  StoreOptions options(StoreOptions base = {}) const { return target_->options(base); }
  std::unique_ptr<StoreTarget> target_;
};

/// Base of a PostgreSQL-only fixture: SetUp() makes target_ on the test server (skipping or
/// failing as BackendTest does).
class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override;
  StoreOptions options(StoreOptions base = {}) const { return target_->options(base); }
  std::unique_ptr<StoreTarget> target_;
};

std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

}  // namespace soket::store::testing

// Names stay "<Suite>.<Test>/sqlite" and ".../postgresql" (no instantiation prefix), so filters on
// "unit.<Suite>." keep matching.
#define SOKET_STORE_BACKENDS(Suite)                                                         \
  INSTANTIATE_TEST_SUITE_P(, Suite,                                                         \
                           ::testing::Values(::soket::store::testing::Backend::sqlite,      \
                                             ::soket::store::testing::Backend::postgresql), \
                           ::soket::store::testing::backend_name)
