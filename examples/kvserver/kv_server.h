// kv_server.h: the network side of jetsession-kv: the listening socket, the
// server threads (an asio::io_context run by --threads threads), and the
// shutdown on SIGTERM or SIGINT.
//
// Shutdown, in this order (the handler of the first signal):
//   1. SessionPool::Stop (JetStopServiceInstance): commands that hold a
//      session finish; commands that wait for one, and every later one,
//      are answered "-ERR shutting down" and not applied;
//   2. the listening socket closes;
//   3. every client connection closes, each after the command it runs.
// Run() returns when the last connection is gone and every thread has
// left its handler; if that takes longer than kDrainTimeout (a client that
// keeps a command busy), the io_context is stopped, which ends the threads
// as soon as their running handlers return. The caller then ends the
// session core (JetTerm) and closes the database.
#ifndef JETSESSION_EXAMPLES_KVSERVER_KV_SERVER_H_
#define JETSESSION_EXAMPLES_KVSERVER_KV_SERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include "command_executor.h"
#include "server_counters.h"
#include "session_pool.h"

namespace kvserver {

inline constexpr std::chrono::milliseconds kDrainTimeout{2000};

struct ListenOptions {
  std::string address;
  unsigned short port = 0;  // 0: any free port
  int threads = 1;
};

class KvServer {
 public:
  KvServer(ListenOptions options, SessionPool* pool, CommandExecutor* executor,
           ServerCounters* counters);
  ~KvServer();
  KvServer(const KvServer&) = delete;
  KvServer& operator=(const KvServer&) = delete;

  // Binds, listens and installs the signal handlers. Empty on success, else
  // what failed.
  std::string Listen();
  // The port it listens on (after Listen).
  unsigned short port() const;

  // Serves until the shutdown has finished (see above). Returns the
  // signal that started it.
  int Run();

 private:
  // Asio lives in kv_server.cc only (it is slow to compile).
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_KV_SERVER_H_
