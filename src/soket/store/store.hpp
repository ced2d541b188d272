#pragma once

#include "soket/store/options.hpp"
#include "soket/store/page_reader.hpp"
#include "soket/store/reader.hpp"
#include "soket/store/writer.hpp"

namespace soket::store {

/// The database of the hub: one Writer (group commit, any thread) and one Reader (queries).
///
///   store::Store store({.path = data_dir / "soket.db"});
///   store.writer().submit(store::UpsertDevice{.id = "esp-1", .ts = store::now_ms()});
///   store.writer().submit(store::InsertReadings{...}, [&](const store::WriteResult& r) {
///     asio::post(io, [r] { /* send OK or ERR */ });
///   });
///   auto history = store.reader().readings("esp-1", from, to, 500);
class Store {
 public:
  /// Opens (creating and migrating if needed) the database. Throws SqliteError.
  explicit Store(const StoreOptions& options);
  /// Calls stop().
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// The single writer: submit write operations here, from any thread.
  Writer& writer() { return writer_; }
  /// Synchronous queries (devices, readings, commands, chat, alerts), from any thread.
  Reader& reader() { return reader_; }
  /// Paged queries (cursors) for the REST API.
  PageReader& pages() { return pages_; }

  /// Drains and stops the writer (see Writer::stop()). The reader stays usable.
  void stop() { writer_.stop(); }

 private:
  Writer writer_;  // first: it creates the schema the reader's statements need
  Reader reader_;
  PageReader pages_;
};

}  // namespace soket::store
