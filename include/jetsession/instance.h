// jetsession/instance.h: a move-only RAII instance.
//
// An Instance owns one initialized instance handle (JET_INSTANCE) and
// terminates it (JetTerm2 with JET_bitTermAbrupt) when destroyed. It is a thin
// layer over the same core as the C API, in multi-instance mode.
//
// Thread safety: BeginSession(), Stop(), SetUnavailable(), SessionCount() and
// Stats() may be called from any number of threads at once on one Instance;
// moving, assigning, Terminate() and destruction need the caller to be the only
// user of the object (the instance itself stays safe: calls racing with its
// termination get errors, never undefined behaviour).
// Progress: BeginSession() is lock-free (it waits only while
// SetMaxSessions() runs); its overloads with a timeout block by design;
// Create() and Terminate() may block.
// Lifetime: sessions may outlive the Instance (their calls then return
// Error::kInvalidSesid).
#ifndef JETSESSION_INSTANCE_H_
#define JETSESSION_INSTANCE_H_

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include "jetsession/error.h"
#include "jetsession/jet.h"
#include "jetsession/result.h"
#include "jetsession/session.h"

namespace jetsession {

struct InstanceOptions {
  // Instance name; "" is the unnamed instance (at most one lives).
  std::string name;
  // JET_paramMaxSessions for this instance (0..30000).
  unsigned long max_sessions = 16;
  // JET_paramExtSessionTracking: sessions record when and on which thread
  // they began (OpenSessions()).
  bool session_tracking = false;
};

// JetExtGetSessionStats's figures (see JET_EXTSESSIONSTATS in jet.h for
// what each means and when it is exact).
struct SessionStats {
  unsigned long max_sessions = 0;
  unsigned long max_sessions_ceiling = 0;
  unsigned long sessions_open = 0;
  unsigned long waiters = 0;
  unsigned long long sessions_begun = 0;
  unsigned long long sessions_ended = 0;
  unsigned long long out_of_sessions = 0;
  unsigned long long waits = 0;
  unsigned long long wait_timeouts = 0;
  std::chrono::microseconds wait_total{0};
};

// One entry of Instance::OpenSessions() (JET_EXTSESSIONINFO).
struct OpenSessionInfo {
  JET_SESID sesid = JET_sesidNil;
  std::chrono::milliseconds open_for{0};  // with tracking, else 0
  unsigned long long thread_id = 0;       // with tracking, else 0
  JET_API_PTR context = 0;
  bool in_call = false;
};

class Instance {
 public:
  // Creates and initializes an instance (JetCreateInstance, the
  // MaxSessions parameter, JetInit).
  static Result<Instance> Create(const InstanceOptions& options = {}) noexcept;

  // An empty instance (holds no handle).
  Instance() noexcept = default;
  // Takes ownership of a live instance handle.
  explicit Instance(JET_INSTANCE handle) noexcept : handle_(handle) {}
  Instance(Instance&& other) noexcept : handle_(other.Release()) {}
  // Terminates the instance this one holds, if any, then takes other's.
  Instance& operator=(Instance&& other) noexcept {
    if (this != &other) {
      if (has_value()) TermDroppingError();
      handle_ = other.Release();
    }
    return *this;
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  // Terminates the instance (JET_bitTermAbrupt) if it still holds one.
  // Inline, with the call out of line: an empty Instance costs a compare.
  ~Instance() {
    if (has_value()) TermDroppingError();
  }

  // JetBeginSession.
  Result<Session> BeginSession() const noexcept;
  // JetExtBeginSessionWait: where BeginSession() would answer
  // Error::kOutOfSessions, waits at most `timeout` for a session, first come,
  // first served (a negative or zero timeout: no wait). The wait ends with a
  // session, Error::kOutOfSessions (the time ran out while the instance was
  // full), or the state error of a Stop, SetUnavailable or Terminate
  // meanwhile.
  Result<Session> BeginSession(
      std::chrono::milliseconds timeout) const noexcept;
  // The same, and a stop requested on `stop` ends the wait with
  // Error::kWaitCancelled (a C++-only error: the C API has no cancel). The
  // request wakes the call, which looks at it on its own thread: until
  // then the call waits as any other, so a slot freed meanwhile (an End, a
  // larger capacity) still goes to it if it is the oldest waiter, and the
  // call returns that session (as std::condition_variable_any's wait with
  // a stop_token returns true when its predicate held first); the caller
  // ends it if it no longer wants it, and the next waiter gets it. A stop
  // requested before the call ends it at once if it would wait, and the
  // call is not counted as a wait. The request wakes this call, and no
  // other but, for a call past the ring of 16,384 tickets, the overflow
  // list's head (and the callers past its limit), which look again and
  // sleep: its work on the requesting thread is a few atomic steps and one
  // or two futex wakes, whatever the number of callers waiting. On
  // Instance(0) the call names the default instance once, as it starts: it
  // never waits on a default instance created after that, and answers
  // Error::kInvalidParameter if there is none, or if the one it named was
  // freed before the wait looked (handle 0 named no instance then).
  Result<Session> BeginSession(std::chrono::milliseconds timeout,
                               const std::stop_token& stop) const noexcept;
  // JetStopServiceInstance.
  Error Stop() const noexcept;
  // JetExtSetInstanceUnavailable.
  Error SetUnavailable() const noexcept;
  // JetExtSetMaxSessions: sets the capacity in force to `max_sessions`
  // (0..ceiling) without a restart.
  Error SetMaxSessions(unsigned long max_sessions) const noexcept;
  // JetExtGetSessionCount.
  Result<unsigned long> SessionCount() const noexcept;
  // JetExtGetSessionStats (wait_total to the microsecond, where the C API
  // has milliseconds).
  Result<SessionStats> Stats() const noexcept;
  // JetExtGetOpenSessions: every session open at least `min_age`, oldest
  // first (Error::kOutOfMemory if the vector cannot be allocated).
  Result<std::vector<OpenSessionInfo>> OpenSessions(
      std::chrono::milliseconds min_age =
          std::chrono::milliseconds(0)) const noexcept;
  // JetTerm2; the Instance is empty afterwards whatever the result, unless
  // the result is Error::kInvalidGrbit.
  Error Terminate(JET_GRBIT grbit = JET_bitTermAbrupt) noexcept;

  JET_INSTANCE handle() const noexcept { return handle_; }
  bool has_value() const noexcept { return handle_ != JET_instanceNil; }
  // Gives up ownership: returns the handle and leaves the Instance empty.
  JET_INSTANCE Release() noexcept {
    const JET_INSTANCE handle = handle_;
    handle_ = JET_instanceNil;
    return handle;
  }

 private:
  // JetTerm2(handle, JET_bitTermAbrupt); the error is dropped.
  void TermDroppingError() const noexcept;

  JET_INSTANCE handle_ = JET_instanceNil;
};

}  // namespace jetsession

#endif  // JETSESSION_INSTANCE_H_
