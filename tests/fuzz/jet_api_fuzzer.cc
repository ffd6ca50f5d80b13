// jet_api_fuzzer: libFuzzer harness for the C API.
//
// Each input is a program: a sequence of calls of <jetsession/jet.h> (every
// function) with arguments drawn from the input: handles from a small table
// of handles this input received (live, ended, terminated), 0, nil, or raw
// 64-bit garbage; NULL or valid output pointers; any parameter id, value
// and grbit. The sanitizers (address, undefined) catch memory errors; the
// harness itself checks that every result is a defined JET_err code, that
// a successful Begin/Dup/Create returns a handle that is neither 0 nor nil,
// and that a session count never exceeds 30000. Every input ends by
// terminating what it created and restoring the process-wide parameters,
// so inputs do not leak state into each other.
//
// Build: the `fuzz` preset (clang). Run: build/fuzz/tests/fuzz/jet_api_fuzzer
// tests/fuzz/corpus -max_total_time=60
#include <jetsession/jet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

// Reads the input as a stream of bytes (zeros once it runs out).
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size)
      : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  std::uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint64_t Word() {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8U) | Byte();
    return value;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

constexpr std::array<JET_ERR, 26> kCodes = {
    JET_errSuccess,
    JET_errInvalidGrbit,
    JET_errRestoreInProgress,
    JET_errTermInProgress,
    JET_errInvalidParameter,
    JET_errOutOfMemory,
    JET_errNotInitialized,
    JET_errAlreadyInitialized,
    JET_errInitInProgress,
    JET_errTooManyActiveUsers,
    JET_errRunningInOneInstanceMode,
    JET_errRunningInMultiInstanceMode,
    JET_errSystemParamsAlreadySet,
    JET_errInstanceNameInUse,
    JET_errInstanceUnavailable,
    JET_errInvalidSesparamId,
    JET_errOutOfSessions,
    JET_errInvalidSesid,
    JET_errInvalidInstance,
    JET_errDirtyShutdown,
    JET_errTooManyInstances,
    JET_errClientRequestToStopJetService,
    JET_errSessionSharingViolation,
    JET_errSessionContextAlreadySet,
    JET_errSessionContextNotSetByThisThread,
    JET_errSessionInUse,
};

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "jet_api_fuzzer: %s\n", what);
    std::abort();
  }
}

JET_ERR Known(JET_ERR err) {
  bool known = false;
  for (const JET_ERR code : kCodes) known = known || code == err;
  Check(known, "a result that is not a JET_err code");
  return err;
}

class Program {
 public:
  explicit Program(Input* in) : in_(in) {}

  void Run() {
    while (!in_->empty()) Step();
    Cleanup();
  }

 private:
  JET_INSTANCE AnyInstance() {
    const std::uint8_t pick = in_->Byte();
    switch (pick % 8) {
      case 0:
        return 0;
      case 1:
        return JET_instanceNil;
      case 2:
        return in_->Word();
      default:
        return instances_.empty() ? in_->Word()
                                  : instances_[pick % instances_.size()];
    }
  }

  JET_SESID AnySession() {
    const std::uint8_t pick = in_->Byte();
    switch (pick % 8) {
      case 0:
        return 0;
      case 1:
        return JET_sesidNil;
      case 2:
        return in_->Word();
      default:
        return sessions_.empty() ? in_->Word()
                                 : sessions_[pick % sessions_.size()];
    }
  }

  unsigned long AnyParam() {
    switch (in_->Byte() % 6) {
      case 0:
        return JET_paramMaxSessions;
      case 1:
        return JET_paramMaxInstances;
      case 2:
        return JET_paramExtSessionTracking;
      case 3:
        return JET_paramExtMaxSessionsCeiling;
      default:
        return in_->Byte();
    }
  }

  const char* AnyName() {
    static constexpr std::array<const char*, 5> kNames = {nullptr, "", "a", "b",
                                                          "fuzz"};
    return kNames[in_->Byte() % kNames.size()];
  }

  void Remember(JET_INSTANCE inst) {
    Check(inst != 0 && inst != JET_instanceNil, "a nil instance handle");
    if (instances_.size() < 64) instances_.push_back(inst);
  }
  void Remember(JET_SESID sesid, bool) {
    Check(sesid != 0 && sesid != JET_sesidNil, "a nil session handle");
    if (sessions_.size() < 256) sessions_.push_back(sesid);
  }

  void Step() {
    const std::uint8_t op = in_->Byte();
    const bool null_out = (op & 0x80U) != 0 && in_->Byte() < 16;
    switch (op % 23) {
      case 0: {
        JET_INSTANCE inst = 0;
        if (Known(JetCreateInstance(null_out ? nullptr : &inst, AnyName())) ==
            JET_errSuccess) {
          Remember(inst);
        }
        break;
      }
      case 1: {
        JET_INSTANCE inst = AnyInstance();
        const unsigned long paramid = AnyParam();
        JET_API_PTR value = in_->Byte();
        if ((value & 0x40U) != 0) value = in_->Word();
        Known(JetSetSystemParameter(null_out ? nullptr : &inst, AnySession(),
                                    paramid, value, "ignored"));
        break;
      }
      case 2: {
        JET_API_PTR value = 0;
        char text[8];
        Known(JetGetSystemParameter(AnyInstance(), AnySession(), AnyParam(),
                                    null_out ? nullptr : &value, text,
                                    sizeof(text)));
        break;
      }
      case 3: {
        JET_INSTANCE inst = AnyInstance();
        if (Known(JetInit(null_out ? nullptr : &inst)) == JET_errSuccess &&
            !null_out) {
          Remember(inst);
        }
        break;
      }
      case 4: {
        JET_SESID sesid = 0;
        if (Known(JetBeginSession(AnyInstance(), null_out ? nullptr : &sesid,
                                  "user", nullptr)) == JET_errSuccess) {
          Remember(sesid, true);
        }
        break;
      }
      case 5: {
        JET_SESID sesid = 0;
        if (Known(JetDupSession(AnySession(), null_out ? nullptr : &sesid)) ==
            JET_errSuccess) {
          Remember(sesid, true);
        }
        break;
      }
      case 6:
        Known(JetEndSession(AnySession(), in_->Byte()));
        break;
      case 7: {
        JET_API_PTR ctx = in_->Byte();
        if (ctx == 0xFF) ctx = ~JET_API_PTR{0};
        Known(JetSetSessionContext(AnySession(), ctx));
        break;
      }
      case 8:
        Known(JetResetSessionContext(AnySession()));
        break;
      case 9:
        Known(JetStopService());
        break;
      case 10:
        Known(JetStopServiceInstance(AnyInstance()));
        break;
      case 11:
        Known(JetTerm(AnyInstance()));
        break;
      case 12: {
        JET_GRBIT grbit = in_->Byte() & 0x0FU;
        if ((grbit & 0x08U) != 0 && in_->Byte() < 32) grbit |= 0x100U;
        Known(JetTerm2(AnyInstance(), grbit));
        break;
      }
      case 13:
        Known(JetExtBeginRestore(AnyInstance()));
        break;
      case 14:
        Known(JetExtEndRestore(AnyInstance()));
        break;
      case 15:
        Known(JetExtSetInstanceUnavailable(AnyInstance()));
        break;
      case 16: {
        // One thread: a wait on a full pool lasts its whole timeout, so the
        // timeouts are 0 (the plain call) or 1 ms.
        JET_SESID sesid = 0;
        if (Known(JetExtBeginSessionWait(AnyInstance(),
                                         null_out ? nullptr : &sesid,
                                         in_->Byte() & 1U)) == JET_errSuccess) {
          Remember(sesid, true);
        }
        break;
      }
      case 17: {
        JET_SESID sesid = 0;
        if (Known(JetExtDupSessionWait(
                AnySession(), null_out ? nullptr : &sesid, in_->Byte() & 1U)) ==
            JET_errSuccess) {
          Remember(sesid, true);
        }
        break;
      }
      case 18: {
        JET_EXTSESSIONSTATS stats{};
        stats.cbStruct = (in_->Byte() & 1U) != 0 ? sizeof stats : in_->Byte();
        if (Known(JetExtGetSessionStats(AnyInstance(),
                                        null_out ? nullptr : &stats)) ==
            JET_errSuccess) {
          // Open sessions may exceed the capacity after a shrink (it ends
          // nothing), never the ceiling.
          Check(stats.cSessionsOpen <= stats.cMaxSessionsCeiling &&
                    stats.cMaxSessions <= stats.cMaxSessionsCeiling &&
                    stats.cSessionsEnded <= stats.cSessionsBegun,
                "inconsistent statistics");
        }
        break;
      }
      case 19: {
        JET_EXTSESSIONINFO info[4]{};
        const unsigned long room = in_->Byte() % 5;
        unsigned long total = 0;
        if (Known(JetExtGetOpenSessions(
                AnyInstance(), in_->Byte() % 3,
                (in_->Byte() & 1U) != 0 ? nullptr : info, room,
                null_out ? nullptr : &total)) == JET_errSuccess) {
          Check(total <= 30000, "more open sessions than slots");
        }
        break;
      }
      case 20: {
        unsigned long slot = 0;
        if (Known(JetExtGetSessionSlot(
                AnySession(), null_out ? nullptr : &slot)) == JET_errSuccess) {
          Check(slot < 30000, "a slot out of range");
        }
        break;
      }
      case 21: {
        // Small capacities mostly (around the open counts), any value now
        // and then (above the ceiling: InvalidParameter).
        const JET_INSTANCE inst = AnyInstance();
        const unsigned long n = (in_->Byte() & 3U) != 0
                                    ? in_->Byte() % 40
                                    : static_cast<unsigned long>(in_->Word());
        // Read back through a handle (0 and nil name no record here).
        if (Known(JetExtSetMaxSessions(inst, n)) == JET_errSuccess &&
            inst != 0 && inst != JET_instanceNil) {
          JET_API_PTR now = 0;
          Check(JetGetSystemParameter(inst, 0, JET_paramMaxSessions, &now,
                                      nullptr, 0) == JET_errSuccess &&
                    now == n,
                "a capacity set and not read back");
        }
        break;
      }
      default: {
        unsigned long count = 0;
        if (Known(JetExtGetSessionCount(AnyInstance(),
                                        null_out ? nullptr : &count)) ==
            JET_errSuccess) {
          Check(count <= 30000, "a session count above 30000");
        }
        break;
      }
    }
  }

  void Cleanup() {
    for (const JET_INSTANCE inst : instances_) JetTerm(inst);
    JetTerm(0);  // a default instance made by JetInit(NULL)
    Check(JetSetSystemParameter(nullptr, 0, JET_paramMaxInstances, 16,
                                nullptr) == JET_errSuccess,
          "an instance outlived its input");
    Check(JetSetSystemParameter(nullptr, 0, JET_paramMaxSessions, 16,
                                nullptr) == JET_errSuccess,
          "cannot restore MaxSessions");
    Check(JetSetSystemParameter(nullptr, 0, JET_paramExtSessionTracking, 0,
                                nullptr) == JET_errSuccess &&
              JetSetSystemParameter(nullptr, 0, JET_paramExtMaxSessionsCeiling,
                                    0, nullptr) == JET_errSuccess,
          "cannot restore the extension parameters");
  }

  Input* in_;
  std::vector<JET_INSTANCE> instances_;
  std::vector<JET_SESID> sessions_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  Input in(data, size);
  Program(&in).Run();
  return 0;
}
