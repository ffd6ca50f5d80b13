// session_pool.h: what the server asks of a session core, and its two
// implementations: jetsession (JetExtBeginSessionWait, JetExtGetSessionSlot,
// JetEndSession) and a std::mutex + std::condition_variable pool, the
// baseline. Everything else in the server is the same for both.
//
// A session is what a command must hold to use the database: its slot
// (0..capacity-1) indexes the SQLite connection it uses (SlotConnections),
// and no two sessions open at once share a slot, so a connection is used
// by one thread at a time.
//
// Thread safety: Begin, End and AppendInfo may be called from any number
// of threads at once; Stop too. Term once, after the last End.
// Memory ordering: everything a thread did before End(lease) happens
// before everything the thread that is next given the same slot does after
// its Begin returns (jetsession: the release/acquire of the slot's pool
// word; the mutex pool: the mutex).
#ifndef JETSESSION_EXAMPLES_KVSERVER_SESSION_POOL_H_
#define JETSESSION_EXAMPLES_KVSERVER_SESSION_POOL_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kvserver {

class SessionPool {
 public:
  enum class Outcome {
    kGranted,  // a session: use `slot`, then End the lease
    kBusy,     // every session stayed taken until the deadline
    kStopped,  // Stop was called: no session will be given any more
    kFailed,   // the core refused for another reason: see `failure`
  };

  struct Lease {
    Outcome outcome = Outcome::kFailed;
    unsigned long slot = 0;
    // The core's handle of the session (a JET_SESID; the mutex pool uses
    // the slot alone).
    std::uintptr_t handle = 0;
    // kFailed: the core's name of the error (a JET_err* name).
    std::string_view failure;

    static Lease Granted(unsigned long slot, std::uintptr_t handle) {
      return {Outcome::kGranted, slot, handle, {}};
    }
    static Lease Refused(Outcome outcome, std::string_view failure = {}) {
      return {outcome, 0, 0, failure};
    }
  };

  virtual ~SessionPool() = default;

  // A session, waiting at most `wait` for one while all are taken (0: do
  // not wait).
  virtual Lease Begin(std::chrono::milliseconds wait) = 0;
  // Ends a granted lease.
  virtual void End(const Lease& lease) = 0;
  // From now on Begin answers kStopped, and the callers waiting in Begin
  // wake with kStopped. Sessions already given stay valid until End.
  virtual void Stop() = 0;
  // Releases the core. Called once, after Stop and the last End.
  virtual void Term() = 0;

  virtual unsigned long capacity() const = 0;
  // "jetsession" or "mutex".
  virtual std::string_view name() const = 0;
  // Appends the core's figures as "name:value\r\n" lines for INFO.
  virtual void AppendInfo(std::string* out) const = 0;
};

// A jetsession instance of `sessions` sessions (JET_paramMaxSessions).
// nullptr and `*error` set when the instance cannot be created.
std::unique_ptr<SessionPool> MakeJetSessionPool(unsigned long sessions,
                                                std::string* error);

// The std::mutex + std::condition_variable pool of `sessions` slots.
std::unique_ptr<SessionPool> MakeMutexSessionPool(unsigned long sessions);

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_SESSION_POOL_H_
