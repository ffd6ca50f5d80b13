// kv_connection.cc: the SQLite side of the key-value server (see
// kv_connection.h).
#include "kv_connection.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>

namespace kvserver {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) "
    "WITHOUT ROWID";

constexpr const char* kGet = "SELECT v FROM kv WHERE k = ?1";
constexpr const char* kSet =
    "INSERT INTO kv (k, v) VALUES (?1, ?2) "
    "ON CONFLICT (k) DO UPDATE SET v = excluded.v";
constexpr const char* kDelete = "DELETE FROM kv WHERE k = ?1";
constexpr const char* kExists = "SELECT 1 FROM kv WHERE k = ?1";
// INCR as one statement: insert 1, or add 1 to a value whose text is
// exactly that of a 64-bit integer below the maximum (Redis's rule: "010",
// " 1" and "1.0" are not integers). When the WHERE refuses, nothing is
// written and RETURNING gives no row.
constexpr const char* kIncrement =
    "INSERT INTO kv (k, v) VALUES (?1, 1) "
    "ON CONFLICT (k) DO UPDATE SET v = CAST(v AS INTEGER) + 1 "
    "WHERE CAST(CAST(v AS INTEGER) AS TEXT) = CAST(v AS TEXT) "
    "AND CAST(v AS INTEGER) < 9223372036854775807 "
    "RETURNING v";

// Retries of a statement that SQLite rolled back as busy without waiting
// (see KvConnection::Step); each retry itself waits in the busy handler.
constexpr int kBusyRetries = 100;
// Busy-handler calls that only yield before it starts to sleep.
constexpr int kBusyYields = 64;
constexpr std::chrono::microseconds kBusySleep{50};

// Closes a connection that failed half-way through Open.
struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

// Opens `path` in the mode the server uses: no per-connection mutex (one
// thread at a time uses a connection), and no creation of the file (that is
// InitializeDatabase's job).
int OpenDb(const std::string& path, int flags, DbHandle* out) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  out->reset(raw);  // sqlite3_open_v2 may return a handle on failure too
  return rc;
}

std::string Message(sqlite3* db, std::string_view what) {
  std::string text(what);
  text += ": ";
  text += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return text;
}

void BindBlob(sqlite3_stmt* statement, int index, std::string_view bytes) {
  // SQLITE_STATIC: the bytes outlive the step (the caller holds them).
  sqlite3_bind_blob64(statement, index, bytes.data(), bytes.size(),
                      SQLITE_STATIC);
}

// Resets a statement when the command is done with it, so that it holds no
// read snapshot and no bound pointer between commands.
class Resetter {
 public:
  explicit Resetter(sqlite3_stmt* statement) : statement_(statement) {}
  ~Resetter() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  Resetter(const Resetter&) = delete;
  Resetter& operator=(const Resetter&) = delete;

 private:
  sqlite3_stmt* statement_;
};

}  // namespace

std::string InitializeDatabase(const std::string& path) {
  DbHandle db;
  if (OpenDb(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db) !=
      SQLITE_OK) {
    return Message(db.get(), "open " + path);
  }
  sqlite3_busy_timeout(db.get(), static_cast<int>(kBusyTimeout.count()));
  for (const char* sql : {"PRAGMA journal_mode=WAL", kSchema}) {
    char* error = nullptr;
    if (sqlite3_exec(db.get(), sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string text = std::string(sql) + ": " +
                         (error != nullptr ? error : "unknown error");
      sqlite3_free(error);
      return text;
    }
  }
  return {};
}

std::string CheckDatabaseIntegrity(const std::string& path) {
  DbHandle db;
  if (OpenDb(path, SQLITE_OPEN_READONLY, &db) != SQLITE_OK) {
    return Message(db.get(), "open " + path);
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db.get(), "PRAGMA integrity_check", -1, &statement,
                         nullptr) != SQLITE_OK) {
    return Message(db.get(), "integrity_check");
  }
  std::string result;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    if (!result.empty()) result += "; ";
    result += reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  return result;
}

std::unique_ptr<KvConnection> KvConnection::Open(const std::string& path,
                                                 std::string* error) {
  DbHandle db;
  if (OpenDb(path, SQLITE_OPEN_READWRITE, &db) != SQLITE_OK) {
    *error = Message(db.get(), "open " + path);
    return nullptr;
  }
  // The connection's first statement may find the database locked for a
  // moment (another connection checkpoints the WAL, or commits): wait as
  // the other statements do (the busy handler below replaces this).
  sqlite3_busy_timeout(db.get(), static_cast<int>(kBusyTimeout.count()));
  // synchronous=NORMAL is WAL mode's usual setting: a commit is durable
  // once the server process has it (fsync at checkpoints, not per commit).
  if (sqlite3_exec(db.get(), "PRAGMA synchronous=NORMAL", nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    *error = Message(db.get(), "PRAGMA synchronous");
    return nullptr;
  }
  std::unique_ptr<KvConnection> connection(new KvConnection(db.release()));
  sqlite3_busy_handler(connection->db_, &KvConnection::OnBusy,
                       connection.get());
  const struct {
    const char* sql;
    sqlite3_stmt** statement;
  } statements[] = {
      {kGet, &connection->get_},
      {kSet, &connection->set_},
      {kDelete, &connection->delete_},
      {kExists, &connection->exists_},
      {kIncrement, &connection->increment_},
      {"BEGIN IMMEDIATE", &connection->begin_},
      {"BEGIN DEFERRED", &connection->begin_read_},
      {"COMMIT", &connection->commit_},
      {"ROLLBACK", &connection->rollback_},
  };
  for (const auto& s : statements) {
    if (sqlite3_prepare_v3(connection->db_, s.sql, -1,
                           SQLITE_PREPARE_PERSISTENT, s.statement,
                           nullptr) != SQLITE_OK) {
      *error = Message(connection->db_, s.sql);
      return nullptr;  // the destructor finalizes what was prepared
    }
  }
  return connection;
}

KvConnection::~KvConnection() {
  for (sqlite3_stmt* statement : {get_, set_, delete_, exists_, increment_,
                                  begin_, begin_read_, commit_, rollback_}) {
    sqlite3_finalize(statement);  // a no-op on nullptr
  }
  sqlite3_close_v2(db_);
}

int KvConnection::OnBusy(void* self, int count) {
  auto* connection = static_cast<KvConnection*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (count == 0) connection->busy_since_ = now;
  if (now - connection->busy_since_ >= kBusyTimeout) return 0;
  if (count < kBusyYields) {
    std::this_thread::yield();
  } else {
    std::this_thread::sleep_for(kBusySleep);
  }
  return 1;
}

int KvConnection::Step(sqlite3_stmt* statement) {
  int rc = sqlite3_step(statement);
  for (int retry = 0; retry < kBusyRetries && (rc & 0xFF) == SQLITE_BUSY &&
                      sqlite3_get_autocommit(db_) != 0;
       ++retry) {
    sqlite3_reset(statement);
    rc = sqlite3_step(statement);
  }
  return rc;
}

DbStatus KvConnection::Fail(int code) {
  if ((code & 0xFF) == SQLITE_BUSY) return DbStatus::kBusy;
  last_error_ = sqlite3_errmsg(db_);
  return DbStatus::kError;
}

DbStatus KvConnection::Execute(sqlite3_stmt* statement) {
  const Resetter resetter(statement);
  const int rc = Step(statement);
  return rc == SQLITE_DONE ? DbStatus::kOk : Fail(rc);
}

DbStatus KvConnection::Get(std::string_view key, std::string* value,
                           bool* found) {
  const Resetter resetter(get_);
  BindBlob(get_, 1, key);
  const int rc = Step(get_);
  if (rc == SQLITE_DONE) {
    *found = false;
    return DbStatus::kOk;
  }
  if (rc != SQLITE_ROW) return Fail(rc);
  // column_blob gives an INTEGER (a value INCR wrote) as its decimal text.
  const void* bytes = sqlite3_column_blob(get_, 0);
  const int size = sqlite3_column_bytes(get_, 0);
  value->assign(static_cast<const char*>(bytes),
                static_cast<std::size_t>(size));
  *found = true;
  return DbStatus::kOk;
}

DbStatus KvConnection::Set(std::string_view key, std::string_view value) {
  const Resetter resetter(set_);
  BindBlob(set_, 1, key);
  BindBlob(set_, 2, value);
  const int rc = Step(set_);
  return rc == SQLITE_DONE ? DbStatus::kOk : Fail(rc);
}

DbStatus KvConnection::Delete(std::span<const std::string_view> keys,
                              std::int64_t* deleted) {
  return RunForKeys(begin_, delete_, Count::kChanges, keys, deleted);
}

DbStatus KvConnection::Exists(std::span<const std::string_view> keys,
                              std::int64_t* count) {
  // A read transaction (BEGIN DEFERRED: no write lock) for several keys,
  // so that they are counted in one snapshot.
  return RunForKeys(begin_read_, exists_, Count::kRows, keys, count);
}

DbStatus KvConnection::RunForKeys(sqlite3_stmt* begin, sqlite3_stmt* statement,
                                  Count count,
                                  std::span<const std::string_view> keys,
                                  std::int64_t* total) {
  *total = 0;
  const bool transaction = keys.size() > 1;
  if (transaction) {
    const DbStatus begun = Execute(begin);
    if (begun != DbStatus::kOk) return begun;
  }
  const auto fail = [&](DbStatus status) {
    if (transaction) Execute(rollback_);
    *total = 0;
    return status;
  };
  for (const std::string_view key : keys) {
    const Resetter resetter(statement);
    BindBlob(statement, 1, key);
    const int rc = Step(statement);
    if (rc == SQLITE_ROW && count == Count::kRows) {
      ++*total;
      continue;
    }
    if (rc != SQLITE_DONE) return fail(Fail(rc));
    if (count == Count::kChanges) *total += sqlite3_changes(db_);
  }
  if (transaction) {
    const DbStatus committed = Execute(commit_);
    if (committed != DbStatus::kOk) return fail(committed);
  }
  return DbStatus::kOk;
}

DbStatus KvConnection::Increment(std::string_view key, std::int64_t* value) {
  const Resetter resetter(increment_);
  BindBlob(increment_, 1, key);
  const int rc = Step(increment_);
  if (rc == SQLITE_DONE) return DbStatus::kNotInteger;
  if (rc != SQLITE_ROW) return Fail(rc);
  *value = sqlite3_column_int64(increment_, 0);
  // Step to the end: the autocommit transaction commits when the statement
  // finishes, not when its RETURNING row is read; stepping to SQLITE_DONE
  // (rather than leaving it to the reset) reports a failed commit.
  const int done = sqlite3_step(increment_);
  return done == SQLITE_DONE ? DbStatus::kOk : Fail(done);
}

}  // namespace kvserver
