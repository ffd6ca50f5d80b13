// slot_connections.cc: per-slot SQLite connections (see slot_connections.h).
#include "slot_connections.h"

#include <memory>
#include <string>
#include <utility>

#include "kv_connection.h"

namespace kvserver {

SlotConnections::SlotConnections(std::string path, unsigned long slots)
    : path_(std::move(path)),
      by_slot_(slots),
      held_(std::make_unique<std::atomic<bool>[]>(slots)) {}

void SlotConnections::Enter(unsigned long slot) {
  if (slot >= by_slot_.size()) return;  // Get reports it
  // relaxed: a check of the core, not a lock; the core's own Begin/End
  // order the slot's users.
  if (held_[slot].exchange(true, std::memory_order_relaxed)) {
    conflicts_.fetch_add(1, std::memory_order_relaxed);
  }
}

void SlotConnections::Leave(unsigned long slot) {
  if (slot >= by_slot_.size()) return;
  held_[slot].store(false, std::memory_order_relaxed);  // as in Enter
}

KvConnection* SlotConnections::Get(unsigned long slot, std::string* error) {
  if (slot >= by_slot_.size()) {
    *error = "slot " + std::to_string(slot) + " out of range";
    return nullptr;
  }
  std::unique_ptr<KvConnection>& connection = by_slot_[slot];
  if (connection == nullptr) {
    connection = KvConnection::Open(path_, error);
    if (connection == nullptr) return nullptr;
    opened_.fetch_add(1, std::memory_order_relaxed);  // a count, orders nothing
  }
  return connection.get();
}

void SlotConnections::CloseAll() {
  for (std::unique_ptr<KvConnection>& connection : by_slot_) connection.reset();
}

}  // namespace kvserver
