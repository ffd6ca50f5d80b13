// server_counters.h: the figures the server keeps about itself for INFO,
// updated by the command executor and by the network side.
//
// Every counter is a relaxed atomic: each is a figure on its own, read by
// INFO, and orders nothing.
#ifndef JETSESSION_EXAMPLES_KVSERVER_SERVER_COUNTERS_H_
#define JETSESSION_EXAMPLES_KVSERVER_SERVER_COUNTERS_H_

#include <atomic>
#include <cstdint>

namespace kvserver {

struct ServerCounters {
  // Client connections: open now, and accepted since the start.
  std::atomic<std::uint64_t> clients_connected{0};
  std::atomic<std::uint64_t> clients_accepted{0};
  // Requests answered, and among them the replies -BUSY (no session by the
  // deadline), "-ERR shutting down" (after Stop) and other errors.
  std::atomic<std::uint64_t> commands_processed{0};
  std::atomic<std::uint64_t> busy_replies{0};
  std::atomic<std::uint64_t> shutdown_replies{0};
  std::atomic<std::uint64_t> error_replies{0};
  // Sessions the server holds now and the most it ever held at once,
  // counted by the server itself: +1 after a Begin succeeded, -1 before the
  // End. So both are at most the sessions open in the core at any instant,
  // and sessions_max_open above the capacity would show the core gave out
  // more sessions than it has.
  std::atomic<std::uint64_t> sessions_open{0};
  std::atomic<std::uint64_t> sessions_max_open{0};
};

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_SERVER_COUNTERS_H_
