#include "store_backends.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

namespace soket::store::testing {

std::optional<std::string> test_server_url() {
  if (const char* url = std::getenv("SOKET_TEST_PG_URL"); url != nullptr && *url != '\0')
    return std::string(url);
  std::ifstream file(SOKET_TEST_PG_STATE_DIR "/url");
  std::string url;
  if (file && std::getline(file, url) && !url.empty()) return url;
  return std::nullopt;
}

bool postgres_required() {
  const char* required = std::getenv("SOKET_TEST_PG_REQUIRED");
  return required != nullptr && *required != '\0' && std::string(required) != "0";
}

StoreTarget::StoreTarget(Backend backend) : backend_(backend) {
  if (backend_ == Backend::sqlite) return;
  auto server = test_server_url();
  if (!server) throw std::runtime_error("no PostgreSQL test server");
  admin_url_ = *server;
  static std::atomic<int> counter{0};
  std::random_device random;
  database_ = "soket_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
              std::to_string(random() % 1000000);
  PgConnection admin(admin_url_);
  admin.exec("CREATE DATABASE " + database_);
  auto slash = admin_url_.rfind('/');
  auto query = admin_url_.find('?', slash);
  url_ = admin_url_.substr(0, slash + 1) + database_ +
         (query == std::string::npos ? "" : admin_url_.substr(query));
}

StoreTarget::~StoreTarget() {
  if (database_.empty()) return;
  try {
    PgConnection admin(admin_url_);
    admin.exec("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot drop " << database_ << ": " << e.what();
  }
}

StoreOptions StoreTarget::options(StoreOptions base) const {
  if (backend_ == Backend::sqlite)
    base.path = dir_.file("a.db");
  else
    base.url = url_;
  return base;
}

void StoreTarget::exec(const std::string& sql) const {
  if (backend_ == Backend::sqlite) {
    Database db(dir_.file("a.db").string());
    db.exec(sql);
  } else {
    PgConnection db(url_);
    db.exec(sql);
  }
}

std::vector<std::string> StoreTarget::column(const std::string& sql) const {
  std::vector<std::string> values;
  if (backend_ == Backend::sqlite) {
    Database db(dir_.file("a.db").string());
    Statement stmt(db, sql);
    while (stmt.step())
      values.push_back(stmt.column_is_null(0) ? "" : stmt.column_text(0));
  } else {
    PgConnection db(url_);
    auto result = db.query(sql);
    for (int i = 0; i < result.rows(); ++i)
      values.push_back(result.is_null(i, 0) ? "" : result.string(i, 0));
  }
  return values;
}

namespace {

// Fails (under ctest) or skips the current test when there is no test server.
void require_server() {
  if (test_server_url()) return;
  if (postgres_required())
    FAIL() << "no PostgreSQL test server (tests/support/pg_server.sh start, or "
              "$SOKET_TEST_PG_URL)";
  GTEST_SKIP() << "no PostgreSQL test server: run under ctest or set SOKET_TEST_PG_URL";
}

}  // namespace

void BackendTest::SetUp() {
  if (GetParam() == Backend::postgresql) {
    require_server();
    if (IsSkipped() || HasFatalFailure()) return;
  }
  target_ = std::make_unique<StoreTarget>(GetParam());
}

void PostgresTest::SetUp() {
  require_server();
  if (IsSkipped() || HasFatalFailure()) return;
  target_ = std::make_unique<StoreTarget>(Backend::postgresql);
}

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "sqlite" : "postgresql";
}

}  // namespace soket::store::testing
