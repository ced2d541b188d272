#pragma once

#include <stdexcept>
#include <string>

namespace soket::store {

/// Any error of the store's database, whichever the backend (SqliteError, PgError), so callers can
/// catch one type.
class StoreError : public std::runtime_error {
 public:
  /// An error with message `what`.
  explicit StoreError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace soket::store
