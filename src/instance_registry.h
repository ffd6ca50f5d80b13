// instance_registry.h: the process-wide table of instances, the run modes
// and the parameters: every call of the C API, in C++.
//
// InstanceRegistry maps instance and session handles to type-stable records
// (an InstanceCore each) and keeps what ESE keeps per process: the run mode
// (none, one-instance, multi-instance), the default instance, the instance
// names and the parameters. The C layer (jet_api.cc) and the C++ RAII API
// call it; it is usable on its own from C++.
//
// Thread safety: every member may be called from any number of threads.
// Progress: BeginSession, DupSession, EndSession and the session-context
// calls never take the lock: they are lock-free. CreateInstance, Init, the
// parameter calls, Stop*, SetUnavailable, the restore calls and Term take
// `mutex_`; Term also waits, without the lock, for the calls in flight.
// SetMaxSessions takes `mutex_` for its checks and to record the new
// value, and resizes outside it, under its instance's resize lock
// (InstanceCore::LockResize()): a resizing thread kept off the processor
// holds up only the next resize and JetTerm of that instance.
// Invariant: a record whose state is not Free is live and counted in
// live_count_; its name is unique among live records; mode_ is kNone iff
// live_count_ == 0; outside the lock, default_instance_ is nonzero iff
// mode_ is kOneInstance, and then names a record that is live and was
// initialized.
// Memory ordering: the records are constant-initialized, so they need no
// publication; everything else is ordered by the record's state word (see
// instance_core.h) or by `mutex_`.
// Lifetime: the registry and its records live until the process ends;
// records are reused by later instances with a new generation, never freed.
#ifndef JETSESSION_SRC_INSTANCE_REGISTRY_H_
#define JETSESSION_SRC_INSTANCE_REGISTRY_H_

#include <atomic>
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "handle.h"
#include "instance_core.h"
#include "jetsession/error.h"
#include "jetsession/jet.h"
#include "mutex.h"
#include "never_destroyed.h"
#include "thread_annotations.h"

namespace jetsession::internal {

#ifdef JETSESSION_TEST_HOOKS
// Test builds only (the hooked and mutant builds of tests/CMakeLists.txt
// define JETSESSION_TEST_HOOKS; the library proper has no hook). A function
// set here runs inside JetTerm, under the registry's lock, between the two
// steps of freeing an instance's record (FreeLocked()): its release and the
// clearing of the default handle (the other way round in the mutant
// kDefaultClearedFirst). It may make lock-free calls only (Begin,
// the counts and reports), from any thread: a call that takes the lock
// waits for the JetTerm that runs the hook.
//
// after_wait_named runs in a C++ wait with a stop request
// (Instance::BeginSession(timeout, stop)), on its thread, between the
// naming of its instance (InstanceRegistry::WaitScope: the default instance
// for handle 0) and the entry of its wait scope.
struct RegistryTestHooks {
  static inline std::atomic<void (*)()> between_release_and_clear{nullptr};
  static inline std::atomic<void (*)()> after_wait_named{nullptr};
  // inside_resize runs in JetExtSetMaxSessions, on its thread, once it
  // holds the instance's resize lock and before it resizes: outside the
  // registry's lock.
  static inline std::atomic<void (*)()> inside_resize{nullptr};
};
#endif

class InstanceRegistry {
 public:
  // Parameter limits and defaults of the contract.
  static constexpr std::uint32_t kMaxSessionsLimit = 30000;
  // The debt word of a pool counts units and names a payer's slot in 15 bits
  // each (src/debt_word.h): the ceiling, rounded up to whole pool words, is
  // below 2^15.
  static_assert((kMaxSessionsLimit + 31) / 32 * 32 <= DebtWordBits::kSlots);
  static constexpr std::uint32_t kDefaultMaxSessions = 16;
  static constexpr std::uint32_t kDefaultMaxInstances = 16;

  // The process's registry: constant-initialized (no guard on the fast
  // path, no allocation) and never destroyed (its destructor is trivial).
  static InstanceRegistry& Global() noexcept { return global_; }

  InstanceRegistry(const InstanceRegistry&) = delete;
  InstanceRegistry& operator=(const InstanceRegistry&) = delete;

  // The calls of jet.h, with the same parameters and results.
  Error CreateInstance(JET_INSTANCE* pinstance, const char* name) noexcept;
  Error SetSystemParameter(JET_INSTANCE* pinstance, JET_SESID sesid,
                           unsigned long paramid, JET_API_PTR value) noexcept;
  Error GetSystemParameter(JET_INSTANCE instance, JET_SESID sesid,
                           unsigned long paramid, JET_API_PTR* pvalue) noexcept;
  Error Init(JET_INSTANCE* pinstance) noexcept;
  // BeginSession and EndSession are inline, so the C layer's calls reach
  // the core without another call. Begin's fast path needs a live handle
  // (0 and nil do not decode), a Running instance and a free slot in the
  // thread's hint word. When it fails it has opened nothing (a bit it
  // claimed and may not keep is given back first), and the full path
  // (BeginSessionSlow) starts afresh. The uncommon paths are tail calls,
  // so that the fast path saves no registers.
  [[gnu::always_inline]] Error BeginSession(JET_INSTANCE instance,
                                            JET_SESID* psesid) noexcept {
    // The handle's index field, minus one: out of range (as an unsigned)
    // for 0 and JET_instanceNil. A generation of 0 needs no check here: no
    // Running record has it, so TryBeginFast() fails on it.
    const auto index =
        static_cast<std::uint32_t>(instance & kInstanceIndexMask) - 1U;
    if (psesid == nullptr || index >= kMaxRecords) {
      return BeginSessionSlow(instance, psesid);
    }
    const Core::Pool::HintResult fast =
        records_.get()[index].core.TryBeginFast(instance >> kInstanceGenShift);
    if (fast.outcome == Core::Pool::HintClaim::kClaimed) {
      static_assert(Core::Pool::kGenShift == kControlGenShift);
      *psesid = MakeSessionHandleFast(instance, fast.slot, fast.control_low);
      return Error::kSuccess;
    }
    if (fast.outcome == Core::Pool::HintClaim::kGiveBack) [[unlikely]] {
      return GiveBackThenBegin(*fast.given, fast.slot, instance, psesid);
    }
    if (fast.outcome == Core::Pool::HintClaim::kContended) [[unlikely]] {
      return ContendedThenBegin(instance, psesid);
    }
    return DeclinedThenBegin(instance, psesid);
  }
  static Error DupSession(JET_SESID sesid, JET_SESID* psesid) noexcept;
  Error BeginSessionWait(JET_INSTANCE instance, JET_SESID* psesid,
                         unsigned long cmsec_timeout) noexcept;
  // BeginSessionWait with a deadline (min(): no wait, JetBeginSession's full
  // path), and a stop request that ends the wait with kWaitCancelled (may be
  // null): the C++ API's.
  Error BeginSessionWaitUntil(JET_INSTANCE instance, JET_SESID* psesid,
                              WaitClock::time_point deadline,
                              InstanceCore<StdAtomics>::Stop* stop) noexcept;
  // The scope of a C++ wait with a stop request (InstanceCore::
  // EnterWaitScope()), which JetTerm waits for: entered by the constructor
  // (nothing for a handle that names no record), left by the destructor.
  // The constructor names the instance of the wait once: `instance`, or
  // for 0 and JET_instanceNil the default instance of that moment (none if
  // there is none). The wait (BeginSessionWait()), its stop callback
  // (RequestStop()) and the scope all use that instance: handle 0 read
  // again by the wait could name a default instance created since, whose
  // JetTerm would not wait for this scope.
  class WaitScope {
   public:
    using Stop = InstanceCore<StdAtomics>::Stop;

    explicit WaitScope(JET_INSTANCE instance) noexcept;
    ~WaitScope();
    WaitScope(const WaitScope&) = delete;
    WaitScope& operator=(const WaitScope&) = delete;

    // BeginSessionWaitUntil() on the instance named, with `stop`. Handle 0
    // (or JET_instanceNil) with no default instance answers
    // kInvalidParameter at once, and so does a default instance named but
    // freed before the wait looked: at that instant handle 0 named no
    // instance (what OnInstance() answers for it).
    Error BeginSessionWait(JET_SESID* psesid, WaitClock::time_point deadline,
                           Stop* stop) const noexcept;
    // The stop callback: marks `stop` and wakes its waiter, if the scope
    // names an incarnation (InstanceCore::RequestStop()).
    void RequestStop(Stop* stop) const noexcept;

   private:
    JET_INSTANCE requested_;
    JET_INSTANCE named_;
    InstanceCore<StdAtomics>* core_ = nullptr;
    std::uint64_t gen_ = 0;
  };
  static Error DupSessionWait(JET_SESID sesid, JET_SESID* psesid,
                              unsigned long cmsec_timeout) noexcept;
  // DupSession that waits until `deadline` (min(): no wait).
  static Error DupSessionUntil(JET_SESID sesid, JET_SESID* psesid,
                               WaitClock::time_point deadline) noexcept;
  static Error EndSession(JET_SESID sesid) noexcept {
    SessionRef ref{};
    // JET_sesidNil and 0 do not decode.
    if (!DecodeSessionHandle(sesid, &ref)) return Error::kInvalidSesid;
    Record* const record = Find(ref.index);
    return record == nullptr ? Error::kInvalidSesid
                             : record->core.End(ref.slot, ref.gen);
  }
  static Error SetSessionContext(JET_SESID sesid, JET_API_PTR context) noexcept;
  // JetExtGetSessionSlot: wait-free, takes nothing.
  static Error GetSessionSlot(JET_SESID sesid, unsigned long* pslot) noexcept;
  static Error ResetSessionContext(JET_SESID sesid) noexcept;
  Error StopService() noexcept;
  Error StopServiceInstance(JET_INSTANCE instance) noexcept;
  Error Term(JET_INSTANCE instance, JET_GRBIT grbit) noexcept;
  Error BeginRestore(JET_INSTANCE instance) noexcept;
  Error EndRestore(JET_INSTANCE instance) noexcept;
  Error SetUnavailable(JET_INSTANCE instance) noexcept;
  Error GetSessionCount(JET_INSTANCE instance, unsigned long* pcount) noexcept;
  // JetExtSetMaxSessions.
  Error SetMaxSessions(JET_INSTANCE instance,
                       unsigned long max_sessions) noexcept;
  // JetExtGetSessionStats: lock-free while the instance runs.
  Error GetSessionStats(JET_INSTANCE instance,
                        JET_EXTSESSIONSTATS* pstats) noexcept;
  // JetExtGetOpenSessions: lock-free, no allocation.
  Error GetOpenSessions(JET_INSTANCE instance, unsigned long min_age_ms,
                        JET_EXTSESSIONINFO* info, unsigned long max,
                        unsigned long* pcount) noexcept;
  // jetsession::DebugString(): the dump of the live instance (see
  // debug_format.h) into *out, or the handle's error.
  Error DebugDump(JET_INSTANCE instance, std::string* out) noexcept;
  // Its figures, for the C++ API (the wait time to the microsecond).
  Error GetSessionStats(JET_INSTANCE instance, SessionStatsData* data) noexcept;

  // Memory that an instance costs apart from its pool, and that a pool
  // costs per slot (reported by the benchmarks).
  static std::size_t BytesPerInstanceRecord() noexcept;
  static std::size_t BytesPerSlot() noexcept;
  // All that an instance with MaxSessions `max_sessions` costs: its record
  // and its pool (words, slots and the pool object).
  static std::size_t BytesPerInstance(std::uint32_t max_sessions) noexcept;

 private:
  using Core = InstanceCore<StdAtomics>;
  // The mutants of the default instance's lifetime (see Mutation).
  static constexpr bool kDefaultInstanceRace =
      StdAtomics::kMutation == Mutation::kDefaultInstanceRace;
  static constexpr bool kDefaultClearedFirst =
      StdAtomics::kMutation == Mutation::kDefaultClearedFirst;
  enum class Mode { kNone, kOneInstance, kMultiInstance };

  // All zero until first used (so that the table of them is zero-filled
  // static storage); CreateLocked() sets max_sessions.
  struct Record {
    // Potentially overlapping: the fields below sit in its tail padding, so
    // that a record stays 1024 bytes and the fast paths find one by a shift.
    [[no_unique_address]] Core core;
    // Guarded by mutex_ (not annotated: records are reached by index).
    std::uint32_t max_sessions = 0;
    std::uint32_t tracking = 0;  // JET_paramExtSessionTracking
    std::uint32_t ceiling = 0;   // JET_paramExtMaxSessionsCeiling (as set)
  };
  // A power of two: Find() and the fast paths index the records by a shift
  // (a size of 1088 made that a multiply in two shifts and two adds, 3
  // instructions more on Begin and on End).
  static_assert(std::has_single_bit(sizeof(Record)));

  constexpr InstanceRegistry() = default;
  ~InstanceRegistry() = default;

  // The record at `index`, or nullptr when the index is out of range. A
  // record never used is Free, with no pool: every call on it fails as on
  // an instance that ended.
  static Record* Find(std::uint32_t index) noexcept {
    return index < kMaxRecords ? &records_.get()[index] : nullptr;
  }
  // The record that `instance` (a handle that is not 0/nil) names for a
  // stop request's calls, *ref its handle's parts; nullptr if none.
  static Record* FindForStop(JET_INSTANCE instance, InstanceRef* ref) noexcept;
  // JetBeginSession's full path: every check in the contract's order.
  Error BeginSessionSlow(JET_INSTANCE instance, JET_SESID* psesid) noexcept;
  // Begin's fast path declined: the instance tracks sessions (the fast
  // claim again, with a stamp), or is not Running without a flag, or the
  // thread has no hint yet (the full path).
  [[gnu::noinline]] Error DeclinedThenBegin(JET_INSTANCE instance,
                                            JET_SESID* psesid) noexcept;
  // Marks the thread's hint contended (Begin's fast path lost its CAS),
  // then begins by the full path, which moves on from the hint word.
  [[gnu::noinline, gnu::cold]] Error ContendedThenBegin(
      JET_INSTANCE instance, JET_SESID* psesid) noexcept;
  // Gives back the bit that Begin's fast path may not keep, then begins
  // by the full path.
  [[gnu::noinline, gnu::cold]] Error GiveBackThenBegin(
      std::atomic<std::uint64_t>& control, std::size_t slot,
      JET_INSTANCE instance, JET_SESID* psesid) noexcept;
  // Runs `call(ref, record)` on the instance `handle` names, lock-free, and
  // returns its answer; `call` returns kInvalidInstance when it finds the
  // incarnation gone. 0 and JET_instanceNil mean the default instance in
  // one-instance mode (else kInvalidParameter); a call that finds the
  // default instance freed under it answers kInvalidParameter if the
  // default handle still names it, else starts again from the handle.
  template <class Call>
  Error OnInstance(JET_INSTANCE handle, Call&& call) noexcept;
  // Resolves a handle that is not 0/nil to a live record.
  static Error Resolve(JET_INSTANCE handle, InstanceRef* ref,
                       Record** record) noexcept;
  // As Resolve(), then checks under the lock that the instance still lives.
  Error ResolveLocked(JET_INSTANCE handle, InstanceRef* ref, Record** record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Decodes a session handle to its record (kInvalidSesid when impossible).
  static Error ResolveSession(JET_SESID sesid, SessionRef* ref,
                              Record** record) noexcept;

  // Holds a session's in-call flag for the length of a parameter call.
  class SessionCall {
   public:
    SessionCall() = default;
    SessionCall(const SessionCall&) = delete;
    SessionCall& operator=(const SessionCall&) = delete;
    ~SessionCall() {
      if (core_ != nullptr) core_->ExitCall(slot_, control_);
    }

    Error Enter(Core* core, const SessionRef& ref) noexcept {
      const Error error = core->EnterCall(ref.slot, ref.gen, &control_);
      if (error == Error::kSuccess) {
        core_ = core;
        slot_ = ref.slot;
      }
      return error;
    }

   private:
    Core* core_ = nullptr;
    std::uint32_t slot_ = 0;
    std::uint64_t control_ = 0;
  };

  // The record a parameter call through the open session `sesid` applies
  // to (its instance), entering a call on the session. Lock-free.
  static Error SessionTarget(JET_SESID sesid, SessionCall* call,
                             Record** record) noexcept;
  // The record a parameter call applies to when it names no session:
  // `*instance`, or nullptr (the process defaults) for NULL and for 0/nil
  // outside one-instance mode.
  Error InstanceTarget(const JET_INSTANCE* instance, Record** record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // What JetInit and JetExtBeginRestore answer for an instance that is not
  // Created (terminating, Running, Restoring), or kSuccess.
  static Error NotCreatedError(const Record* record) noexcept;
  // Creates a Created instance named `name`; the mode becomes `mode`.
  Error CreateLocked(const char* name, Mode mode, InstanceRef* ref)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // JetInit of a Created instance; frees it on failure.
  Error InitLocked(const InstanceRef& ref, Record* record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Frees a record and updates count, names and mode.
  void FreeLocked(const InstanceRef& ref, Record* record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Sets a stop/unavailable flag on a live instance.
  Error SetFlag(JET_INSTANCE instance, std::uint64_t flag) noexcept;
  // Whether a parameter call's resolved target (nullptr: the process-wide
  // defaults) is being terminated.
  static bool IsTerminating(const Record* record);
  // The parameter rules for one resolved target (record nullptr: the
  // process-wide defaults).
  // Under mutex_ (the caller's): `*process_default` is guarded by it.
  static Error SetInstanceParameter(Record* record, JET_API_PTR value,
                                    std::uint32_t limit,
                                    std::uint32_t Record::*field,
                                    std::uint32_t* process_default,
                                    std::uint32_t Record::*floor);
  Error SetParameterLocked(Record* record, unsigned long paramid,
                           JET_API_PTR value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  Error GetParameterLocked(const Record* record, unsigned long paramid,
                           JET_API_PTR* pvalue) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // A parameter call's steps around its rule: the target (the instance of
  // the open session `sesid`, entering a call on it that is left after the
  // lock; else `*pinstance`, see InstanceTarget()), TermInProgress for a
  // target being terminated, then `apply(record)` under mutex_.
  template <class Apply>
  Error WithParameterTarget(const JET_INSTANCE* pinstance, JET_SESID sesid,
                            Apply&& apply) noexcept;

  static InstanceRegistry global_;

  mutable Mutex mutex_;
  // Every record, in zero-filled static storage (.bss: a static member, as
  // the registry's other fields are not all zero): a lookup is an index,
  // with no load (the fast paths' chain of dependent loads starts at the
  // record), and only the pages of records in use are ever touched. Never
  // destroyed: a call may still run at exit. Hidden: the library reaches it
  // PC-relative, not through the GOT.
  [[gnu::visibility("hidden")]] static NeverDestroyed<Record[kMaxRecords]>
      records_;
  // Records ever used: the lowest `used_records_` (the others are Free).
  std::uint32_t used_records_ ABSL_GUARDED_BY(mutex_) = 0;
  // The live instances' names, by record index (at least used_records_ of
  // them; "" for a Free record). Outside the records, which a std::string
  // (its pointer to its own buffer) would move out of zero-filled storage.
  // Never destroyed, as the records.
  NeverDestroyed<std::vector<std::string>> names_ ABSL_GUARDED_BY(mutex_);
  Mode mode_ ABSL_GUARDED_BY(mutex_) = Mode::kNone;
  std::uint32_t live_count_ ABSL_GUARDED_BY(mutex_) = 0;
  std::uint32_t max_instances_ ABSL_GUARDED_BY(mutex_) = kDefaultMaxInstances;
  std::uint32_t default_max_sessions_ ABSL_GUARDED_BY(mutex_) =
      kDefaultMaxSessions;
  std::uint32_t default_tracking_ ABSL_GUARDED_BY(mutex_) = 0;
  std::uint32_t default_ceiling_ ABSL_GUARDED_BY(mutex_) = 0;
  // The default instance's handle in one-instance mode, once its JetInit
  // has succeeded and until its JetTerm frees it, else 0. Written under
  // mutex_, read lock-free by OnInstance().
  std::atomic<JET_INSTANCE> default_instance_{0};
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_INSTANCE_REGISTRY_H_
