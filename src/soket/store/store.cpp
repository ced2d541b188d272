#include "soket/store/store.hpp"

namespace soket::store {

Store::Store(const StoreOptions& options) : writer_(options), reader_(options), pages_(options) {}

Store::~Store() {
  stop();
}

}  // namespace soket::store
