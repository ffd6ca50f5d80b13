// connection_registry.h: the client connections that are open, so that the
// shutdown can close them all.
//
// A connection is listed by its address, with the call that closes it; the
// registry knows nothing else of it (so that it needs no Asio).
//
// Thread safety: every call may be made from any thread (one mutex; it is
// taken when a connection opens and closes, never per command).
#ifndef JETSESSION_EXAMPLES_KVSERVER_CONNECTION_REGISTRY_H_
#define JETSESSION_EXAMPLES_KVSERVER_CONNECTION_REGISTRY_H_

#include <functional>
#include <mutex>
#include <unordered_map>

namespace kvserver {

class ConnectionRegistry {
 public:
  // Lists the connection `key` with the call that closes it; false,
  // listing nothing, once CloseAll was called (the caller then closes the
  // connection itself).
  bool Add(const void* key, std::function<void()> close);
  // Called when the connection is destroyed.
  void Remove(const void* key);
  // Calls the close of every listed connection; Add refuses from now on.
  void CloseAll();

 private:
  std::mutex mu_;
  // Guarded by mu_:
  bool closing_ = false;
  std::unordered_map<const void*, std::function<void()>> connections_;
};

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_CONNECTION_REGISTRY_H_
