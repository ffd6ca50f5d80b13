// jetsession-kv: a key-value server speaking the Redis protocol (RESP2),
// stored in SQLite, whose sessions come from jetsession.
//
//   jetsession-kv --port=7379 --db=/tmp/kv.db --sessions=16 --wait_ms=1000
//                 --threads=32 --pool=jetsession
//
// Each of PING, SET, GET, DEL, INCR and EXISTS runs inside a session:
// JetExtBeginSessionWait(--wait_ms), the command on the SQLite connection
// of the session's slot (JetExtGetSessionSlot), JetEndSession. --sessions
// is the instance's MaxSessions, so also the number of SQLite connections.
// --pool=mutex puts a std::mutex + std::condition_variable pool in
// jetsession's place, with everything else the same.
//
// Prints "ready on port N" (stdout) once it accepts connections. SIGTERM or
// SIGINT shuts it down (see kv_server.h); it exits 0 when the shutdown was
// clean and the database passes PRAGMA integrity_check.
#include <pthread.h>
#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "command_executor.h"
#include "kv_connection.h"
#include "kv_server.h"
#include "server_counters.h"
#include "session_pool.h"
#include "slot_connections.h"

ABSL_FLAG(int, port, 7379, "TCP port to listen on (0: any free port)");
ABSL_FLAG(std::string, address, "127.0.0.1", "address to listen on");
ABSL_FLAG(std::string, db, "jetsession-kv.db",
          "path of the SQLite database (created if missing)");
ABSL_FLAG(int, sessions, 16,
          "sessions (JET_paramMaxSessions), and so SQLite connections");
ABSL_FLAG(int, wait_ms, 1000,
          "how long a command waits for a session before -BUSY");
ABSL_FLAG(int, threads, 32,
          "server threads; more than --sessions, so commands can wait");
ABSL_FLAG(std::string, pool, "jetsession", "session core: jetsession or mutex");

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "jetsession-kv: %s\n", what.c_str());
  return 1;
}

// One client connection is one file descriptor: allow as many as the hard
// limit does (1000 clients exceed a soft limit of 1024 with the database
// files).
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // SIGTERM and SIGINT are held from here until the server's handlers are
  // in place (KvServer::Listen): one that comes during the start-up stays
  // pending and then starts the shutdown, instead of killing the process
  // before it could close the database and answer 0.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGTERM);
  sigaddset(&shutdown_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);
  absl::SetProgramUsageMessage(
      "a Redis-protocol key-value server on SQLite and jetsession sessions");
  absl::ParseCommandLine(argc, argv);
  // Every flag is read here, on one thread, before any other starts.
  const int port = absl::GetFlag(FLAGS_port);
  const std::string address = absl::GetFlag(FLAGS_address);
  const std::string db = absl::GetFlag(FLAGS_db);
  const int sessions = absl::GetFlag(FLAGS_sessions);
  const int wait_ms = absl::GetFlag(FLAGS_wait_ms);
  const int threads = absl::GetFlag(FLAGS_threads);
  const std::string pool_name = absl::GetFlag(FLAGS_pool);
  if (port < 0 || port > 65535) return Fail("--port: 0..65535");
  if (sessions < 1 || sessions > 30000) return Fail("--sessions: 1..30000");
  if (wait_ms < 0) return Fail("--wait_ms: 0 or more");
  if (threads < 1 || threads > 4096) return Fail("--threads: 1..4096");
  RaiseFileLimit();

  if (const std::string error = kvserver::InitializeDatabase(db);
      !error.empty()) {
    return Fail(error);
  }
  std::unique_ptr<kvserver::SessionPool> pool;
  if (pool_name == "jetsession") {
    std::string error;
    pool = kvserver::MakeJetSessionPool(static_cast<unsigned long>(sessions),
                                        &error);
    if (pool == nullptr) return Fail(error);
  } else if (pool_name == "mutex") {
    pool = kvserver::MakeMutexSessionPool(static_cast<unsigned long>(sessions));
  } else {
    return Fail("--pool: jetsession or mutex, not " + pool_name);
  }

  kvserver::SlotConnections connections(db,
                                        static_cast<unsigned long>(sessions));
  kvserver::ServerCounters counters;
  kvserver::CommandExecutor executor(
      pool.get(), &connections, &counters, std::chrono::milliseconds(wait_ms),
      {.port = 0, .threads = threads, .db_path = db});
  int signal = 0;
  {
    kvserver::KvServer server({.address = address,
                               .port = static_cast<unsigned short>(port),
                               .threads = threads},
                              pool.get(), &executor, &counters);
    if (const std::string error = server.Listen(); !error.empty()) {
      pool->Term();
      return Fail(error);
    }
    // The handlers are installed: a signal held since the start is
    // delivered now, and the server threads (started by Run) inherit the
    // unblocked mask.
    pthread_sigmask(SIG_UNBLOCK, &shutdown_signals, nullptr);
    executor.set_port(server.port());
    std::printf("ready on port %u\n", static_cast<unsigned>(server.port()));
    std::fflush(stdout);
    signal = server.Run();
  }  // every client connection is gone, every thread joined
  const auto stopping = std::chrono::steady_clock::now();
  pool->Term();  // JetTerm: no session is open any more
  connections.CloseAll();
  const std::string integrity = kvserver::CheckDatabaseIntegrity(db);
  std::fprintf(
      stderr,
      "jetsession-kv: stopped (signal %d); %llu commands; term and close "
      "%lld ms; integrity_check: %s\n",
      signal,
      static_cast<unsigned long long>(counters.commands_processed.load()),
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - stopping)
              .count()),
      integrity.c_str());
  return integrity == "ok" ? 0 : 1;
}
