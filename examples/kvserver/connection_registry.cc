// connection_registry.cc: the open client connections (see
// connection_registry.h).
#include "connection_registry.h"

#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace kvserver {

bool ConnectionRegistry::Add(const void* key, std::function<void()> close) {
  const std::lock_guard<std::mutex> lock(mu_);
  if (closing_) return false;
  connections_.emplace(key, std::move(close));
  return true;
}

void ConnectionRegistry::Remove(const void* key) {
  const std::lock_guard<std::mutex> lock(mu_);
  connections_.erase(key);
}

void ConnectionRegistry::CloseAll() {
  std::vector<std::function<void()>> closes;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    closes.reserve(connections_.size());
    for (const auto& [key, close] : connections_) closes.push_back(close);
  }
  // Outside the lock: a close may release the last reference to its
  // connection, whose destructor calls Remove.
  for (const std::function<void()>& close : closes) close();
}

}  // namespace kvserver
