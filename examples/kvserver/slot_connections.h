// slot_connections.h: the SQLite connection of each session slot, opened
// the first time a session on that slot needs it and kept (with its
// prepared statements) for every later session on the slot.
//
// Thread safety: Get(slot) is called only by the thread that holds the
// session of `slot` (SessionPool gives a slot to one session at a time and
// orders one holder's work before the next's), so the table needs no lock.
// opened() may be read from any thread. CloseAll after the last session
// ended.
#ifndef JETSESSION_EXAMPLES_KVSERVER_SLOT_CONNECTIONS_H_
#define JETSESSION_EXAMPLES_KVSERVER_SLOT_CONNECTIONS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kv_connection.h"

namespace kvserver {

class SlotConnections {
 public:
  SlotConnections(std::string path, unsigned long slots);

  // The connection of `slot`, opened now if it was not yet. nullptr and
  // `*error` set when the slot is out of range or the open failed (it is
  // tried again by the next session on the slot).
  KvConnection* Get(unsigned long slot, std::string* error);

  // Marks `slot` held from a Begin to its End (Enter, Leave), to check
  // what the session core promises: one session a slot at a time. An
  // Enter on a slot already held is counted (conflicts()) rather than
  // trusted; it must never happen.
  void Enter(unsigned long slot);
  void Leave(unsigned long slot);
  std::uint64_t conflicts() const {
    return conflicts_.load(std::memory_order_relaxed);  // a figure for INFO
  }

  // SQLite connections opened since the start: at most the number of slots
  // that were ever used.
  std::uint64_t opened() const {
    return opened_.load(std::memory_order_relaxed);  // a figure for INFO
  }

  void CloseAll();

 private:
  const std::string path_;
  std::vector<std::unique_ptr<KvConnection>> by_slot_;
  std::unique_ptr<std::atomic<bool>[]> held_;
  std::atomic<std::uint64_t> opened_{0};
  std::atomic<std::uint64_t> conflicts_{0};
};

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_SLOT_CONNECTIONS_H_
