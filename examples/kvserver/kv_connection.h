// kv_connection.h: one SQLite connection to the key-value database, with
// the prepared statement of each command, and the database's schema.
//
// The database is one SQLite file in WAL mode with one table:
//   kv(k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID
// Every command is one autocommit statement (DEL and EXISTS of several keys
// are one transaction), so a command that fails or is refused is not
// applied at all.
//
// Thread safety: a KvConnection is used by one thread at a time (the
// session that owns its slot); the connection is opened without SQLite's
// per-connection mutex for that reason. Different connections may be used
// at once: SQLite serializes writers on the database file (the busy handler
// of the connection waits for the write lock, at most kBusyTimeout).
#ifndef JETSESSION_EXAMPLES_KVSERVER_KV_CONNECTION_H_
#define JETSESSION_EXAMPLES_KVSERVER_KV_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace kvserver {

// How long a statement waits for another connection's write lock before
// the command fails with kBusy.
inline constexpr std::chrono::milliseconds kBusyTimeout{5000};

// Creates the database file if needed, switches it to WAL mode and creates
// the kv table. Returns an empty string on success, else what failed.
std::string InitializeDatabase(const std::string& path);

// The result of `PRAGMA integrity_check` on the database ("ok" when sound).
std::string CheckDatabaseIntegrity(const std::string& path);

enum class DbStatus {
  kOk,
  kNotInteger,  // INCR of a value that is not a 64-bit integer below max
  kBusy,        // the write lock stayed taken for kBusyTimeout
  kError,       // any other SQLite failure (see KvConnection::last_error)
};

class KvConnection {
 public:
  // Opens a connection to the database at `path` (InitializeDatabase done)
  // and prepares every statement. nullptr and `*error` set on failure.
  static std::unique_ptr<KvConnection> Open(const std::string& path,
                                            std::string* error);
  ~KvConnection();
  KvConnection(const KvConnection&) = delete;
  KvConnection& operator=(const KvConnection&) = delete;

  // `*found` says whether the key exists; its value is copied to `*value`.
  DbStatus Get(std::string_view key, std::string* value, bool* found);
  DbStatus Set(std::string_view key, std::string_view value);
  // Deletes the keys; `*deleted` is how many existed.
  DbStatus Delete(std::span<const std::string_view> keys,
                  std::int64_t* deleted);
  // `*count` is how many of the keys exist (a key named twice counts twice).
  DbStatus Exists(std::span<const std::string_view> keys, std::int64_t* count);
  // Adds 1 to the integer at `key` (an absent key counts as 0): one upsert
  // statement with RETURNING; `*value` is the new value.
  DbStatus Increment(std::string_view key, std::int64_t* value);

  // SQLite's message for the last kError.
  const std::string& last_error() const { return last_error_; }

 private:
  explicit KvConnection(sqlite3* db) : db_(db) {}

  // Steps `statement` (bound) to its first row or its end. An autocommit
  // statement that SQLite answers SQLITE_BUSY without calling the busy
  // handler (a stale WAL snapshot) was rolled back, so it is run again.
  // Returns SQLITE_ROW, SQLITE_DONE or the error code.
  int Step(sqlite3_stmt* statement);
  DbStatus Fail(int code);
  // Runs BEGIN / COMMIT / ROLLBACK.
  DbStatus Execute(sqlite3_stmt* statement);

  // What RunForKeys() adds up: the rows each run changed, or the runs
  // that returned a row.
  enum class Count { kChanges, kRows };
  // Runs `statement` once for each of `keys` (bound as ?1), inside the
  // transaction that `begin` opens when there are several keys; *total is
  // the sum of `count`. On a failure the transaction is rolled back and
  // *total is 0.
  DbStatus RunForKeys(sqlite3_stmt* begin, sqlite3_stmt* statement, Count count,
                      std::span<const std::string_view> keys,
                      std::int64_t* total);

  // Called by SQLite while the lock it needs is taken: yields the CPU a
  // few times, then sleeps in short steps, until kBusyTimeout.
  static int OnBusy(void* self, int count);

  sqlite3* db_;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* set_ = nullptr;
  sqlite3_stmt* delete_ = nullptr;
  sqlite3_stmt* exists_ = nullptr;
  sqlite3_stmt* increment_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;       // BEGIN IMMEDIATE (DEL of keys)
  sqlite3_stmt* begin_read_ = nullptr;  // BEGIN DEFERRED (EXISTS of keys)
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  std::chrono::steady_clock::time_point busy_since_;
  std::string last_error_;
};

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_KV_CONNECTION_H_
