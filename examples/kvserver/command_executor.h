// command_executor.h: runs one client request and writes its reply.
//
// PING, SET, GET, DEL, INCR and EXISTS run inside a session of the session
// core: Begin with the deadline --wait_ms, the command on the SQLite
// connection of the session's slot, End. No session by the deadline:
// "-BUSY ..." and the command is not applied; the core stopped: "-ERR
// shutting down", not applied either. INFO, COMMAND and QUIT touch no data
// and take no session (INFO must answer while every session is taken).
//
// Thread safety: Execute may be called from any number of threads at once.
#ifndef JETSESSION_EXAMPLES_KVSERVER_COMMAND_EXECUTOR_H_
#define JETSESSION_EXAMPLES_KVSERVER_COMMAND_EXECUTOR_H_

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "server_counters.h"
#include "session_pool.h"
#include "slot_connections.h"

namespace kvserver {

// Settings shown by INFO.
struct ServerSettings {
  unsigned short port = 0;
  int threads = 0;
  std::string db_path;
};

class CommandExecutor {
 public:
  CommandExecutor(SessionPool* pool, SlotConnections* connections,
                  ServerCounters* counters, std::chrono::milliseconds wait,
                  ServerSettings settings);

  enum class Next { kContinue, kClose };

  // Appends the reply to `args` (args[0] is the command's name, in any
  // case) to `*out`. kClose after QUIT.
  Next Execute(std::span<const std::string_view> args, std::string* out);

  void set_port(unsigned short port) { settings_.port = port; }

 private:
  // The commands that run in a session, given its connection (nullptr for
  // PING, which needs none).
  void RunInSession(std::string_view name,
                    std::span<const std::string_view> args, std::string* out);
  void RunOnConnection(std::string_view name,
                       std::span<const std::string_view> args,
                       KvConnection* connection, std::string* out);
  void AppendInfo(std::string* out) const;

  SessionPool* const pool_;
  SlotConnections* const connections_;
  ServerCounters* const counters_;
  const std::chrono::milliseconds wait_;
  ServerSettings settings_;
  const std::chrono::steady_clock::time_point started_;
};

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_COMMAND_EXECUTOR_H_
