// jet_session_pool.cc: the session core of the server taken from jetsession,
// through its C API (see session_pool.h).
//
// Begin is JetExtBeginSessionWait with the command's deadline, then
// JetExtGetSessionSlot for the slot that indexes the session's SQLite
// connection; End is JetEndSession; Stop is JetStopServiceInstance (waiters
// wake with JET_errClientRequestToStopJetService); Term is JetTerm.
#include <jetsession/error.h>
#include <jetsession/jet.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "info_line.h"
#include "session_pool.h"

namespace kvserver {
namespace {

std::string_view Name(JET_ERR err) {
  return jetsession::ErrorName(static_cast<jetsession::Error>(err));
}

class JetSessionPool final : public SessionPool {
 public:
  JetSessionPool(JET_INSTANCE instance, unsigned long capacity)
      : instance_(instance), capacity_(capacity) {}

  Lease Begin(std::chrono::milliseconds wait) override {
    JET_SESID sesid = JET_sesidNil;
    const JET_ERR err = JetExtBeginSessionWait(
        instance_, &sesid, static_cast<unsigned long>(wait.count()));
    switch (err) {
      case JET_errSuccess:
        break;
      case JET_errOutOfSessions:  // still full at the deadline
        return Lease::Refused(Outcome::kBusy);
      case JET_errClientRequestToStopJetService:
      case JET_errTermInProgress:
        return Lease::Refused(Outcome::kStopped);
      default:
        return Lease::Refused(Outcome::kFailed, Name(err));
    }
    unsigned long slot = 0;
    const JET_ERR slot_err = JetExtGetSessionSlot(sesid, &slot);
    if (slot_err != JET_errSuccess) {
      JetEndSession(sesid, 0);
      return Lease::Refused(Outcome::kFailed, Name(slot_err));
    }
    return Lease::Granted(slot, sesid);
  }

  void End(const Lease& lease) override {
    const JET_ERR err = JetEndSession(lease.handle, 0);
    // A session this server began and has not ended: End cannot fail but
    // by a defect (of the library or of the server), which is reported.
    if (err != JET_errSuccess) {
      std::fprintf(stderr, "jetsession-kv: JetEndSession: %s\n",
                   std::string(Name(err)).c_str());
    }
  }

  void Stop() override { JetStopServiceInstance(instance_); }

  void Term() override {
    const JET_ERR err = JetTerm(instance_);
    if (err != JET_errSuccess) {
      std::fprintf(stderr, "jetsession-kv: JetTerm: %s\n",
                   std::string(Name(err)).c_str());
    }
  }

  unsigned long capacity() const override { return capacity_; }
  std::string_view name() const override { return "jetsession"; }

  void AppendInfo(std::string* out) const override {
    JET_EXTSESSIONSTATS stats{};
    stats.cbStruct = sizeof(stats);
    if (JetExtGetSessionStats(instance_, &stats) != JET_errSuccess) return;
    AppendField("sessions_open", stats.cSessionsOpen, out);
    AppendField("waiters", stats.cWaiters, out);
    AppendField("sessions_begun", stats.cSessionsBegun, out);
    AppendField("sessions_ended", stats.cSessionsEnded, out);
    AppendField("out_of_sessions", stats.cOutOfSessions, out);
    AppendField("waits", stats.cWaits, out);
    AppendField("wait_timeouts", stats.cWaitTimeouts, out);
    AppendField("wait_ms_total", stats.cmsecWaitTotal, out);
    AppendField("max_sessions", stats.cMaxSessions, out);
    AppendField("max_sessions_ceiling", stats.cMaxSessionsCeiling, out);
  }

 private:
  const JET_INSTANCE instance_;
  const unsigned long capacity_;
};

}  // namespace

std::unique_ptr<SessionPool> MakeJetSessionPool(unsigned long sessions,
                                                std::string* error) {
  JET_INSTANCE instance = 0;
  JET_ERR err = JetCreateInstance(&instance, "jetsession-kv");
  if (err == JET_errSuccess) {
    err = JetSetSystemParameter(&instance, 0, JET_paramMaxSessions, sessions,
                                nullptr);
    if (err == JET_errSuccess) {
      err = JetInit(&instance);  // frees the instance when it fails
    } else {
      JetTerm(instance);
    }
  }
  if (err != JET_errSuccess) {
    *error = "jetsession instance: " + std::string(Name(err));
    return nullptr;
  }
  return std::make_unique<JetSessionPool>(instance, sessions);
}

}  // namespace kvserver
