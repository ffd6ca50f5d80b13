// jetsession/session.h: a move-only RAII session.
//
// A Session owns one open session handle (JET_SESID) and ends it when
// destroyed. It is a thin layer over the same core as the C API: a Session
// and the JetEndSession/JetDupSession calls on its handle() behave alike.
//
// Thread safety: a Session object is used by one thread at a time, as ESE
// sessions are; calls made on the same handle from two threads at once are
// safe and one of them gets Error::kSessionSharingViolation.
// Progress: End() and Dup() are lock-free.
// Lifetime: a Session may outlive its Instance; once the instance has been
// terminated, End() returns Error::kInvalidSesid and the destructor does
// nothing harmful.
#ifndef JETSESSION_SESSION_H_
#define JETSESSION_SESSION_H_

#include <cstdint>

#include "jetsession/error.h"
#include "jetsession/jet.h"
#include "jetsession/result.h"

namespace jetsession {

class Session {
 public:
  // An empty session (holds no handle).
  Session() noexcept = default;
  // Takes ownership of an open session handle.
  explicit Session(JET_SESID handle) noexcept : handle_(handle) {}
  Session(Session&& other) noexcept : handle_(other.Release()) {}
  // Ends the session this one holds, if any, then takes other's.
  Session& operator=(Session&& other) noexcept {
    if (this != &other) {
      if (has_value()) EndDroppingError();
      handle_ = other.Release();
    }
    return *this;
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  // Ends the session if it still holds one; errors are dropped (a session
  // whose context is still set stays open: reset it first, or call End()).
  // Inline, with the call out of line: destroying or assigning over an
  // empty Session (a moved-from one, or one that End() emptied) costs a
  // compare, not a call.
  ~Session() {
    if (has_value()) EndDroppingError();
  }

  // Ends the session (JetEndSession). On success the Session is empty; on
  // failure it keeps its handle.
  Error End() noexcept;
  // Opens a new session on the same instance (JetDupSession).
  Result<Session> Dup() const noexcept;
  // JetSetSessionContext / JetResetSessionContext.
  Error SetContext(JET_API_PTR context) const noexcept;
  Error ResetContext() const noexcept;
  // The session's slot (JetExtGetSessionSlot): 0..ceiling-1 (the ceiling is
  // MaxSessions as set at JetInit unless a larger one was set), fixed for
  // the session's life and distinct among the instance's open sessions, for
  // an array of per-session resources.
  Result<std::uint32_t> Slot() const noexcept;

  JET_SESID handle() const noexcept { return handle_; }
  bool has_value() const noexcept { return handle_ != JET_sesidNil; }
  // Gives up ownership: returns the handle and leaves the Session empty.
  JET_SESID Release() noexcept {
    const JET_SESID handle = handle_;
    handle_ = JET_sesidNil;
    return handle;
  }

 private:
  // JetEndSession on the held handle; the error is dropped.
  void EndDroppingError() const noexcept;

  JET_SESID handle_ = JET_sesidNil;
};

}  // namespace jetsession

#endif  // JETSESSION_SESSION_H_
