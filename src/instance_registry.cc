#include "instance_registry.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#include "allocation_faults.h"
#include "debug_format.h"

namespace jetsession::internal {
namespace {

constexpr JET_GRBIT kTermGrbits = JET_bitTermComplete | JET_bitTermAbrupt |
                                  JET_bitTermStopBackup | JET_bitTermDirty;

bool IsNilInstance(JET_INSTANCE handle) noexcept {
  return handle == 0 || handle == JET_instanceNil;
}

bool IsNilSession(JET_SESID handle) noexcept {
  return handle == 0 || handle == JET_sesidNil;
}

std::string_view NameOf(const char* name) noexcept {
  return name == nullptr ? std::string_view() : std::string_view(name);
}

}  // namespace

// constinit: built before any code runs. Nothing of it is destroyed at exit
// (other threads may still call in): its members are trivially destructible
// (std::mutex, atomics and integers) or NeverDestroyed (the names, and the
// records with their pools), whose destructors run at exit and do nothing.
constinit InstanceRegistry InstanceRegistry::global_;
constinit NeverDestroyed<InstanceRegistry::Record[kMaxRecords]>
    InstanceRegistry::records_;
static_assert(std::is_trivially_destructible_v<Mutex> &&
              std::is_trivially_destructible_v<std::atomic<JET_INSTANCE>>);

std::size_t InstanceRegistry::BytesPerInstanceRecord() noexcept {
  // The record and its name's string (a short name fits in the string).
  return sizeof(Record) + sizeof(std::string);
}

std::size_t InstanceRegistry::BytesPerSlot() noexcept {
  return Core::Pool::BytesPerSlot();
}

std::size_t InstanceRegistry::BytesPerInstance(
    std::uint32_t max_sessions) noexcept {
  return BytesPerInstanceRecord() + Core::Pool::BytesFor(max_sessions);
}

template <class Call>
Error InstanceRegistry::OnInstance(JET_INSTANCE handle, Call&& call) noexcept {
  InstanceRef ref{};
  Record* record = nullptr;
  if (!IsNilInstance(handle)) {
    const Error error = Resolve(handle, &ref, &record);
    return error != Error::kSuccess ? error : call(ref, record);
  }
  for (;;) {
    // acquire: pairs with the release stores in Init() and FreeLocked().
    const JET_INSTANCE current =
        default_instance_.load(std::memory_order_acquire);
    if (current == 0) return Error::kInvalidParameter;
    if constexpr (kDefaultInstanceRace) std::this_thread::yield();  // widen
    Error error = Resolve(current, &ref, &record);
    if (error == Error::kSuccess) error = call(ref, record);
    // 0 names no instance, so it is never an invalid one: kInvalidInstance
    // here means that the default instance was freed after we read its
    // handle. The default instance is gone at its record's release
    // (FreeLocked() clears the handle only after it), the instant at which
    // its own handle turns invalid too: the handle read again is still
    // `current` (the clear has not come yet: no default now,
    // InvalidParameter), or 0, or a later default instance's (look again).
    // (Never the same handle for another instance: a freed instance's
    // handle is not reused.)
    if (error != Error::kInvalidInstance || kDefaultInstanceRace) {
      return error;
    }
    // acquire: pairs with the release stores in Init() and FreeLocked().
    if (default_instance_.load(std::memory_order_acquire) == current) {
      return Error::kInvalidParameter;
    }
  }
}

Error InstanceRegistry::Resolve(JET_INSTANCE handle, InstanceRef* ref,
                                Record** record) noexcept {
  if (!DecodeInstanceHandle(handle, ref)) return Error::kInvalidInstance;
  *record = Find(ref->index);
  if (*record == nullptr ||
      !Core::IsLive((*record)->core.LoadState(), ref->gen)) {
    return Error::kInvalidInstance;
  }
  return Error::kSuccess;
}

Error InstanceRegistry::ResolveLocked(JET_INSTANCE handle, InstanceRef* ref,
                                      Record** record) {
  if (IsNilInstance(handle)) {
    if (mode_ != Mode::kOneInstance) return Error::kInvalidParameter;
    // relaxed: written under mutex_, which we hold.
    handle = default_instance_.load(std::memory_order_relaxed);
    // Under the lock the default instance is published in one step with
    // its JetInit, so it is set whenever the mode is one-instance.
    if (handle == 0) return Error::kInvalidParameter;
  }
  return Resolve(handle, ref, record);
}

Error InstanceRegistry::ResolveSession(JET_SESID sesid, SessionRef* ref,
                                       Record** record) noexcept {
  if (IsNilSession(sesid) || !DecodeSessionHandle(sesid, ref)) {
    return Error::kInvalidSesid;
  }
  *record = Find(ref->index);
  return *record == nullptr ? Error::kInvalidSesid : Error::kSuccess;
}

// ---- Instances ------------------------------------------------------------

Error InstanceRegistry::NotCreatedError(const Record* record) noexcept {
  const std::uint64_t state = record->core.LoadState();
  if ((state & Core::kTerminating) != 0) return Error::kTermInProgress;
  switch (Core::LifecycleOf(state)) {
    case Core::kRunning:
      return Error::kAlreadyInitialized;
    case Core::kRestoring:
      return Error::kRestoreInProgress;
    default:
      return Error::kSuccess;
  }
}

Error InstanceRegistry::CreateLocked(const char* name, Mode mode,
                                     InstanceRef* ref) {
  if (live_count_ >= max_instances_) return Error::kTooManyInstances;
  const std::string_view wanted = NameOf(name);
  Record* free_record = nullptr;
  std::uint32_t free_index = 0;
  for (std::uint32_t i = 0; i < used_records_; ++i) {
    Record* const record = &records_.get()[i];
    if (Core::LifecycleOf(record->core.LoadState()) == Core::kFree) {
      if (free_record == nullptr) {
        free_record = record;
        free_index = i;
      }
    } else if (names_.get()[i] == wanted) {
      return Error::kInstanceNameInUse;
    }
  }
  if (free_record == nullptr) {
    if (used_records_ == kMaxRecords) return Error::kTooManyInstances;
    free_index = used_records_;
    free_record = &records_.get()[free_index];
  }
  try {
    if (AllocationFaults::ShouldFail()) throw std::bad_alloc();
    std::vector<std::string>& names = names_.get();
    if (names.size() <= free_index) names.resize(free_index + 1);
    names[free_index].assign(wanted);
  } catch (const std::bad_alloc&) {
    return Error::kOutOfMemory;
  }
  free_record->max_sessions = default_max_sessions_;
  free_record->tracking = default_tracking_;
  free_record->ceiling = default_ceiling_;
  *ref = {free_index, free_record->core.Create()};
  if (free_index == used_records_) ++used_records_;
  ++live_count_;
  mode_ = mode;
  if (kDefaultInstanceRace && mode == Mode::kOneInstance) {
    // release: pairs with the acquire in OnInstance().
    default_instance_.store(MakeInstanceHandle(*ref),
                            std::memory_order_release);
  }
  return Error::kSuccess;
}

void InstanceRegistry::FreeLocked(const InstanceRef& ref, Record* record) {
  // The record is released first and the default handle cleared after it:
  // the default instance is gone at the release, the instant at which its
  // own handle turns invalid, and a lock-free caller that finds the record
  // released through the default handle answers as if the handle were
  // cleared (see OnInstance()). Cleared first, a call on handle 0 would
  // find no default instance while a call on its own handle still found
  // it terminating (no order of the two explains that).
  const auto clear_default = [&] {
    // relaxed: written under mutex_, which we hold.
    if (default_instance_.load(std::memory_order_relaxed) ==
        MakeInstanceHandle(ref)) {
      // release: pairs with the acquire in OnInstance().
      default_instance_.store(0, std::memory_order_release);
    }
  };
  if constexpr (kDefaultClearedFirst) {
    clear_default();
  } else {
    record->core.Release();
  }
#ifdef JETSESSION_TEST_HOOKS
  // acquire: pairs with the test's release store of the hook.
  if (auto* const hook = RegistryTestHooks::between_release_and_clear.load(
          std::memory_order_acquire)) {
    hook();
  }
#endif
  if constexpr (kDefaultClearedFirst) {
    record->core.Release();
  } else {
    clear_default();
  }
  names_.get()[ref.index].clear();
  --live_count_;
  if (live_count_ == 0) mode_ = Mode::kNone;
}

Error InstanceRegistry::InitLocked(const InstanceRef& ref, Record* record) {
  const Error error = record->core.Init(record->max_sessions,
                                        record->tracking != 0, record->ceiling);
  if (error != Error::kSuccess) {
    FreeLocked(ref, record);
    return error;
  }
  // The effective ceiling, for good: JetExtSetMaxSessions may later set a
  // smaller MaxSessions.
  record->ceiling = std::max(record->ceiling, record->max_sessions);
  return error;
}

Error InstanceRegistry::CreateInstance(JET_INSTANCE* pinstance,
                                       const char* name) noexcept {
  if (pinstance == nullptr) return Error::kInvalidParameter;
  MutexLock lock(&mutex_);
  if (mode_ == Mode::kOneInstance) return Error::kRunningInOneInstanceMode;
  InstanceRef ref{};
  const Error error = CreateLocked(name, Mode::kMultiInstance, &ref);
  if (error == Error::kSuccess) *pinstance = MakeInstanceHandle(ref);
  return error;
}

Error InstanceRegistry::Init(JET_INSTANCE* pinstance) noexcept {
  MutexLock lock(&mutex_);
  InstanceRef ref{};
  Record* record = nullptr;
  if (pinstance == nullptr || IsNilInstance(*pinstance)) {
    // Create and initialize an unnamed instance: the default one when no
    // instance exists, else (JetInit(&nil) only) one more.
    if (mode_ == Mode::kOneInstance) return Error::kAlreadyInitialized;
    if (mode_ == Mode::kMultiInstance && pinstance == nullptr) {
      return Error::kRunningInMultiInstanceMode;
    }
    const Mode mode = mode_ == Mode::kNone ? Mode::kOneInstance : mode_;
    Error error = CreateLocked(nullptr, mode, &ref);
    if (error == Error::kSuccess) error = InitLocked(ref, Find(ref.index));
    if (!kDefaultInstanceRace && error == Error::kSuccess &&
        mode == Mode::kOneInstance) {
      // Published once it runs: JetInit(NULL) creates and initializes the
      // default instance in one call, so no lock-free caller may find it
      // Created. release: pairs with the acquire in OnInstance().
      default_instance_.store(MakeInstanceHandle(ref),
                              std::memory_order_release);
    }
    if (pinstance != nullptr) {
      *pinstance = error == Error::kSuccess ? MakeInstanceHandle(ref) : 0;
    }
    return error;
  }
  Error error = Resolve(*pinstance, &ref, &record);
  if (error == Error::kSuccess) error = NotCreatedError(record);
  if (error != Error::kSuccess) return error;
  error = InitLocked(ref, record);
  if (error != Error::kSuccess) *pinstance = 0;
  return error;
}

// ---- Parameters -----------------------------------------------------------

Error InstanceRegistry::SessionTarget(JET_SESID sesid, SessionCall* call,
                                      Record** record) noexcept {
  // The session's instance, whatever the instance argument says (as ESE
  // does). The call holds the session's in-call flag (a racing call on it
  // gets SessionSharingViolation; JetTerm waits for it) and takes it
  // without the lock: on a terminating instance it answers TermInProgress
  // at once, so that threads that loop parameter calls through a session
  // neither hold JetTerm up nor queue on the lock that JetTerm needs.
  SessionRef ref{};
  Error error = ResolveSession(sesid, &ref, record);
  if (error == Error::kSuccess) error = call->Enter(&(*record)->core, ref);
  return error;
}

Error InstanceRegistry::InstanceTarget(const JET_INSTANCE* instance,
                                       Record** record) {
  *record = nullptr;
  // NULL, or 0/nil outside one-instance mode: the process-wide defaults.
  if (instance == nullptr ||
      (IsNilInstance(*instance) && mode_ != Mode::kOneInstance)) {
    return Error::kSuccess;
  }
  InstanceRef ref{};
  return ResolveLocked(*instance, &ref, record);
}

// Whether the parameter call's target instance (none: the process
// defaults) is being terminated: every parameter call on it, whatever the
// parameter, answers TermInProgress.
bool InstanceRegistry::IsTerminating(const Record* record) {
  return record != nullptr &&
         (record->core.LoadState() & Core::kTerminating) != 0;
}

// The setting rules of JET_paramMaxSessions, shared by the per-instance
// parameters (on an instance that is not terminating): on a Running one
// only the value in force (the field's, or at least `floor`'s when given)
// is accepted, else AlreadyInitialized; then above `limit`
// InvalidParameter; else the field (or the process default, for a null
// record) takes it.
Error InstanceRegistry::SetInstanceParameter(Record* record, JET_API_PTR value,
                                             std::uint32_t limit,
                                             std::uint32_t Record::*field,
                                             std::uint32_t* process_default,
                                             std::uint32_t Record::*floor) {
  if (record != nullptr) {
    const std::uint64_t state = record->core.LoadState();
    if (Core::LifecycleOf(state) == Core::kRunning) {
      const std::uint32_t in_force =
          floor == nullptr ? record->*field
                           : std::max(record->*field, record->*floor);
      return value == in_force ? Error::kSuccess : Error::kAlreadyInitialized;
    }
  }
  if (value > limit) return Error::kInvalidParameter;
  (record != nullptr ? record->*field : *process_default) =
      static_cast<std::uint32_t>(value);
  return Error::kSuccess;
}

Error InstanceRegistry::SetParameterLocked(Record* record,
                                           unsigned long paramid,
                                           JET_API_PTR value) {
  switch (paramid) {
    case JET_paramMaxSessions:
      return SetInstanceParameter(record, value, kMaxSessionsLimit,
                                  &Record::max_sessions, &default_max_sessions_,
                                  nullptr);
    case JET_paramExtMaxSessionsCeiling:
      // Read back as max(ceiling, MaxSessions): a Running instance accepts
      // that value.
      return SetInstanceParameter(record, value, kMaxSessionsLimit,
                                  &Record::ceiling, &default_ceiling_,
                                  &Record::max_sessions);
    case JET_paramExtSessionTracking:
      return SetInstanceParameter(record, value, 1, &Record::tracking,
                                  &default_tracking_, nullptr);
    case JET_paramMaxInstances:
      if (live_count_ > 0) {
        return value == max_instances_ ? Error::kSuccess
                                       : Error::kAlreadyInitialized;
      }
      if (value < 1 || value > kMaxRecords) return Error::kInvalidParameter;
      max_instances_ = static_cast<std::uint32_t>(value);
      return Error::kSuccess;
    default:
      return Error::kInvalidParameter;
  }
}

template <class Apply>
Error InstanceRegistry::WithParameterTarget(const JET_INSTANCE* pinstance,
                                            JET_SESID sesid,
                                            Apply&& apply) noexcept {
  SessionCall call;  // released after the lock
  Record* record = nullptr;
  const bool through_session = !IsNilSession(sesid);
  if (through_session) {
    const Error error = SessionTarget(sesid, &call, &record);
    if (error != Error::kSuccess) return error;
  }
  MutexLock lock(&mutex_);
  if (!through_session) {
    const Error error = InstanceTarget(pinstance, &record);
    if (error != Error::kSuccess) return error;
  }
  if (IsTerminating(record)) return Error::kTermInProgress;
  return std::forward<Apply>(apply)(record);
}

// `pinstance` is not const: ESE's signature, kept by the C API.
// NOLINTNEXTLINE(readability-non-const-parameter)
Error InstanceRegistry::SetSystemParameter(JET_INSTANCE* pinstance,
                                           JET_SESID sesid,
                                           unsigned long paramid,
                                           JET_API_PTR value) noexcept {
  return WithParameterTarget(
      pinstance, sesid,
      [&](Record* record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        return SetParameterLocked(record, paramid, value);
      });
}

Error InstanceRegistry::GetSystemParameter(JET_INSTANCE instance,
                                           JET_SESID sesid,
                                           unsigned long paramid,
                                           JET_API_PTR* pvalue) noexcept {
  if (pvalue == nullptr) return Error::kInvalidParameter;
  return WithParameterTarget(
      &instance, sesid,
      [&](const Record* record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        return GetParameterLocked(record, paramid, pvalue);
      });
}

Error InstanceRegistry::GetParameterLocked(const Record* record,
                                           unsigned long paramid,
                                           JET_API_PTR* pvalue) const {
  switch (paramid) {
    case JET_paramMaxSessions:
      // A Running instance's capacity in force: a resize takes effect at
      // its linearization point, which a Begin may make, before its thread
      // records the value.
      *pvalue = record != nullptr
                    ? record->core.CapacityOr(record->max_sessions)
                    : default_max_sessions_;
      return Error::kSuccess;
    case JET_paramExtSessionTracking:
      *pvalue = record != nullptr ? record->tracking : default_tracking_;
      return Error::kSuccess;
    case JET_paramExtMaxSessionsCeiling:
      // The effective ceiling: never below MaxSessions.
      *pvalue = record != nullptr
                    ? std::max(record->ceiling, record->max_sessions)
                    : std::max(default_ceiling_, default_max_sessions_);
      return Error::kSuccess;
    case JET_paramMaxInstances:
      *pvalue = max_instances_;
      return Error::kSuccess;
    default:
      return Error::kInvalidParameter;
  }
}

// ---- Sessions (lock-free) -------------------------------------------------

Error InstanceRegistry::DeclinedThenBegin(JET_INSTANCE instance,
                                          JET_SESID* psesid) noexcept {
  const auto index =
      static_cast<std::uint32_t>(instance & kInstanceIndexMask) - 1U;
  const Core::Pool::HintResult fast =
      records_.get()[index].core.TryBeginFastTracked(instance >>
                                                     kInstanceGenShift);
  if (fast.outcome == Core::Pool::HintClaim::kClaimed) {
    *psesid = MakeSessionHandleFast(instance, fast.slot, fast.control_low);
    return Error::kSuccess;
  }
  if (fast.outcome == Core::Pool::HintClaim::kGiveBack) {
    return GiveBackThenBegin(*fast.given, fast.slot, instance, psesid);
  }
  if (fast.outcome == Core::Pool::HintClaim::kContended) {
    return ContendedThenBegin(instance, psesid);
  }
  return BeginSessionSlow(instance, psesid);
}

Error InstanceRegistry::ContendedThenBegin(JET_INSTANCE instance,
                                           JET_SESID* psesid) noexcept {
  Core::Pool::MarkContended();
  return BeginSessionSlow(instance, psesid);
}

Error InstanceRegistry::GiveBackThenBegin(std::atomic<std::uint64_t>& control,
                                          std::size_t slot,
                                          JET_INSTANCE instance,
                                          JET_SESID* psesid) noexcept {
  Core::Pool::GiveBackAt(control, slot);
  return BeginSessionSlow(instance, psesid);
}

Error InstanceRegistry::BeginSessionSlow(JET_INSTANCE instance,
                                         JET_SESID* psesid) noexcept {
  return BeginSessionWaitUntil(instance, psesid, WaitClock::time_point::min(),
                               nullptr);
}

namespace {

// The deadline of a wait of `cmsec` milliseconds from now
// (JET_cmsecExtWaitForever or more: none).
WaitClock::time_point WaitDeadline(unsigned long cmsec) noexcept {
  if (cmsec >= JET_cmsecExtWaitForever) return WaitClock::time_point::max();
  return WaitClock::now() + std::chrono::milliseconds(cmsec);
}

}  // namespace

Error InstanceRegistry::BeginSessionWait(JET_INSTANCE instance,
                                         JET_SESID* psesid,
                                         unsigned long cmsec_timeout) noexcept {
  if (cmsec_timeout == 0) return BeginSession(instance, psesid);
  return BeginSessionWaitUntil(instance, psesid, WaitDeadline(cmsec_timeout),
                               nullptr);
}

Error InstanceRegistry::BeginSessionWaitUntil(
    JET_INSTANCE instance, JET_SESID* psesid, WaitClock::time_point deadline,
    InstanceCore<StdAtomics>::Stop* stop) noexcept {
  if (psesid == nullptr) return Error::kInvalidParameter;
  *psesid = JET_sesidNil;
  return OnInstance(instance, [psesid, deadline, stop](const InstanceRef& ref,
                                                       Record* record) {
    OpenedSession opened;
    const Error error =
        record->core.BeginWait(ref.gen, &opened, deadline, stop);
    if (error == Error::kSuccess) {
      *psesid = MakeSessionHandle({ref.index, opened.slot, opened.gen});
    }
    return error;
  });
}

InstanceRegistry::Record* InstanceRegistry::FindForStop(
    JET_INSTANCE instance, InstanceRef* ref) noexcept {
  return DecodeInstanceHandle(instance, ref) ? Find(ref->index) : nullptr;
}

InstanceRegistry::WaitScope::WaitScope(JET_INSTANCE instance) noexcept
    : requested_(instance), named_(instance) {
  if (IsNilInstance(instance)) {
    // acquire: as OnInstance().
    named_ = Global().default_instance_.load(std::memory_order_acquire);
  }
#ifdef JETSESSION_TEST_HOOKS
  if (void (*hook)() = RegistryTestHooks::after_wait_named.load()) hook();
#endif
  InstanceRef ref{};
  Record* const record = FindForStop(named_, &ref);
  if (record == nullptr) return;
  core_ = &record->core;
  gen_ = ref.gen;
  core_->EnterWaitScope();
}

InstanceRegistry::WaitScope::~WaitScope() {
  if (core_ != nullptr) core_->ExitWaitScope();
}

Error InstanceRegistry::WaitScope::BeginSessionWait(
    JET_SESID* psesid, WaitClock::time_point deadline,
    Stop* stop) const noexcept {
  // The mutant waits on the handle it was given, read again.
  constexpr bool kNamesTwice =
      StdAtomics::kMutation == Mutation::kWaitNamesTwice;
  const JET_INSTANCE instance = kNamesTwice ? requested_ : named_;
  if (IsNilInstance(instance) && !kNamesTwice) {
    if (psesid != nullptr) *psesid = JET_sesidNil;
    return Error::kInvalidParameter;
  }
  const Error error =
      Global().BeginSessionWaitUntil(instance, psesid, deadline, stop);
  if (error == Error::kInvalidInstance && instance != requested_) {
    return Error::kInvalidParameter;
  }
  return error;
}

void InstanceRegistry::WaitScope::RequestStop(Stop* stop) const noexcept {
  if (core_ == nullptr) {
    stop->Mark();
    return;
  }
  core_->RequestStop(gen_, stop);
}

Error InstanceRegistry::DupSessionWait(JET_SESID sesid, JET_SESID* psesid,
                                       unsigned long cmsec_timeout) noexcept {
  return DupSessionUntil(sesid, psesid,
                         cmsec_timeout == 0 ? WaitClock::time_point::min()
                                            : WaitDeadline(cmsec_timeout));
}

Error InstanceRegistry::DupSession(JET_SESID sesid,
                                   JET_SESID* psesid) noexcept {
  return DupSessionUntil(sesid, psesid, WaitClock::time_point::min());
}

Error InstanceRegistry::DupSessionUntil(
    JET_SESID sesid, JET_SESID* psesid,
    WaitClock::time_point deadline) noexcept {
  if (psesid == nullptr) return Error::kInvalidParameter;
  SessionRef ref{};
  Record* record = nullptr;
  OpenedSession opened;
  Error error = ResolveSession(sesid, &ref, &record);
  if (error == Error::kSuccess) {
    error = record->core.DupWait(ref.slot, ref.gen, &opened, deadline);
  }
  *psesid = error == Error::kSuccess
                ? MakeSessionHandle({ref.index, opened.slot, opened.gen})
                : JET_sesidNil;
  return error;
}

Error InstanceRegistry::SetSessionContext(JET_SESID sesid,
                                          JET_API_PTR context) noexcept {
  SessionRef ref{};
  Record* record = nullptr;
  const Error error = ResolveSession(sesid, &ref, &record);
  return error != Error::kSuccess
             ? error
             : record->core.SetContext(ref.slot, ref.gen, context);
}

Error InstanceRegistry::GetSessionSlot(JET_SESID sesid,
                                       unsigned long* pslot) noexcept {
  // A NULL output pointer comes first, as for every call on a session.
  if (pslot == nullptr) return Error::kInvalidParameter;
  SessionRef ref{};
  Record* record = nullptr;
  const Error error = ResolveSession(sesid, &ref, &record);
  if (error != Error::kSuccess) return error;
  const Error open = record->core.CheckOpen(ref.slot, ref.gen);
  if (open != Error::kSuccess) return open;
  *pslot = ref.slot;
  return Error::kSuccess;
}

Error InstanceRegistry::ResetSessionContext(JET_SESID sesid) noexcept {
  SessionRef ref{};
  Record* record = nullptr;
  const Error error = ResolveSession(sesid, &ref, &record);
  return error != Error::kSuccess
             ? error
             : record->core.ResetContext(ref.slot, ref.gen);
}

// ---- Stop, unavailable, restore, term ---------------------------------------

Error InstanceRegistry::SetFlag(JET_INSTANCE instance,
                                std::uint64_t flag) noexcept {
  MutexLock lock(&mutex_);
  InstanceRef ref{};
  Record* record = nullptr;
  const Error error = ResolveLocked(instance, &ref, &record);
  if (error != Error::kSuccess) return error;
  if ((record->core.LoadState() & Core::kTerminating) != 0) {
    return Error::kTermInProgress;
  }
  record->core.SetFlag(flag);
  return Error::kSuccess;
}

Error InstanceRegistry::StopService() noexcept {
  {
    MutexLock lock(&mutex_);
    if (mode_ == Mode::kNone) return Error::kInvalidParameter;
    if (mode_ == Mode::kMultiInstance) {
      return Error::kRunningInMultiInstanceMode;
    }
  }
  return SetFlag(0, Core::kStopped);
}

Error InstanceRegistry::StopServiceInstance(JET_INSTANCE instance) noexcept {
  return SetFlag(instance, Core::kStopped);
}

Error InstanceRegistry::SetUnavailable(JET_INSTANCE instance) noexcept {
  return SetFlag(instance, Core::kUnavailable);
}

Error InstanceRegistry::BeginRestore(JET_INSTANCE instance) noexcept {
  MutexLock lock(&mutex_);
  InstanceRef ref{};
  Record* record = nullptr;
  Error error = ResolveLocked(instance, &ref, &record);
  if (error == Error::kSuccess) error = NotCreatedError(record);
  if (error == Error::kSuccess) record->core.SetLifecycle(Core::kRestoring);
  return error;
}

Error InstanceRegistry::EndRestore(JET_INSTANCE instance) noexcept {
  MutexLock lock(&mutex_);
  InstanceRef ref{};
  Record* record = nullptr;
  const Error error = ResolveLocked(instance, &ref, &record);
  if (error != Error::kSuccess) return error;
  const std::uint64_t state = record->core.LoadState();
  if (Core::LifecycleOf(state) != Core::kRestoring ||
      (state & Core::kTerminating) != 0) {
    return Error::kInvalidParameter;
  }
  record->core.SetLifecycle(Core::kCreated);
  return Error::kSuccess;
}

Error InstanceRegistry::GetSessionCount(JET_INSTANCE instance,
                                        unsigned long* pcount) noexcept {
  if (pcount == nullptr) return Error::kInvalidParameter;
  return OnInstance(instance, [pcount](const InstanceRef& ref, Record* record) {
    std::uint32_t count = 0;
    const Error error = record->core.Count(ref.gen, &count);
    if (error == Error::kSuccess) *pcount = count;
    return error;
  });
}

Error InstanceRegistry::SetMaxSessions(JET_INSTANCE instance,
                                       unsigned long max_sessions) noexcept {
  Record* record = nullptr;
  {
    MutexLock lock(&mutex_);
    InstanceRef ref{};
    const Error error = ResolveLocked(instance, &ref, &record);
    if (error != Error::kSuccess) return error;
    // Begin's checks in ESE's order (Unavailable, Terminating, Restoring,
    // Created), but a stopped instance may be resized.
    const Error state_error =
        Core::BeginError(record->core.LoadState() & ~Core::kStopped);
    if (state_error != Error::kSuccess) return state_error;
    if (max_sessions > record->core.Ceiling()) {
      return Error::kInvalidParameter;
    }
    // In a wait scope from here on: JetTerm sets its flag under this lock,
    // after this, and then waits for the scope before it drains, so the
    // incarnation and its record outlive the resize.
    record->core.EnterWaitScope();
  }
  const auto capacity = static_cast<std::uint32_t>(max_sessions);
  // Outside the registry's lock: Stop, Unavailable, the parameter calls and
  // every other instance go on beside a resize; resizes of this instance
  // run one at a time.
  record->core.LockResize();
#ifdef JETSESSION_TEST_HOOKS
  if (void (*hook)() = RegistryTestHooks::inside_resize.load()) hook();
#endif
  record->core.Resize(capacity);
  {
    // The value JetInit starts the next incarnation with (the parameter of
    // a Running instance reads the capacity in force: CapacityOr()).
    MutexLock lock(&mutex_);
    record->max_sessions = capacity;
  }
  record->core.UnlockResize();
  record->core.ExitWaitScope();
  return Error::kSuccess;
}

Error InstanceRegistry::DebugDump(JET_INSTANCE instance,
                                  std::string* out) noexcept {
  return OnInstance(instance, [out](const InstanceRef& ref, Record* record) {
    FormatDebug(record->core, ref, out);
    return Error::kSuccess;
  });
}

Error InstanceRegistry::GetSessionStats(JET_INSTANCE instance,
                                        SessionStatsData* data) noexcept {
  return OnInstance(instance, [this, data](const InstanceRef& ref,
                                           Record* record) {
    const Error stats = record->core.Stats(ref.gen, data);
    if (stats != Error::kSuccess || data->running) return stats;
    // Before JetInit: the capacity is the parameter's, read under the lock
    // (the record's incarnation checked again with it).
    MutexLock lock(&mutex_);
    InstanceRef again{};
    Record* same = nullptr;
    const Error live = ResolveLocked(MakeInstanceHandle(ref), &again, &same);
    if (live == Error::kSuccess) {
      data->capacity = same->max_sessions;
      data->ceiling = std::max(same->ceiling, same->max_sessions);
    }
    return live;
  });
}

namespace {

// Orders entries so that a heap of them has the youngest on top (the one
// to drop when an older session turns up).
bool Older(const JET_EXTSESSIONINFO& a, const JET_EXTSESSIONINFO& b) noexcept {
  return a.cmsecOpen > b.cmsecOpen;
}

}  // namespace

Error InstanceRegistry::GetOpenSessions(JET_INSTANCE instance,
                                        unsigned long min_age_ms,
                                        JET_EXTSESSIONINFO* info,
                                        unsigned long max,
                                        unsigned long* pcount) noexcept {
  if (pcount == nullptr || (info == nullptr && max > 0)) {
    return Error::kInvalidParameter;
  }
  unsigned long total = 0;
  unsigned long kept = 0;
  const Error error =
      OnInstance(instance, [&](const InstanceRef& ref, Record* record) {
        return record->core.OpenSessions(
            ref.gen, min_age_ms, [&](const Core::OpenSessionInfo& open) {
              ++total;
              if (max == 0) return;
              const JET_EXTSESSIONINFO entry{
                  MakeSessionHandle({ref.index, open.slot, open.gen}),
                  open.age_ms, open.tid, open.context, open.in_call ? 1 : 0};
              // The oldest `max` in a heap on the caller's array: no
              // allocation.
              if (kept < max) {
                info[kept++] = entry;
                std::push_heap(info, info + kept, Older);
              } else if (Older(entry, info[0])) {
                std::pop_heap(info, info + kept, Older);
                info[kept - 1] = entry;
                std::push_heap(info, info + kept, Older);
              }
            });
      });
  if (error != Error::kSuccess) return error;
  std::sort_heap(info, info + kept, Older);
  *pcount = total;
  return Error::kSuccess;
}

Error InstanceRegistry::GetSessionStats(JET_INSTANCE instance,
                                        JET_EXTSESSIONSTATS* pstats) noexcept {
  if (pstats == nullptr || pstats->cbStruct < sizeof(JET_EXTSESSIONSTATS)) {
    return Error::kInvalidParameter;
  }
  SessionStatsData data;
  const Error error = GetSessionStats(instance, &data);
  if (error != Error::kSuccess) return error;
  pstats->cMaxSessions = data.capacity;
  pstats->cMaxSessionsCeiling = data.ceiling;
  pstats->cSessionsOpen = data.open;
  pstats->cWaiters = data.waiters;
  pstats->cSessionsBegun = data.begun;
  pstats->cSessionsEnded = data.ended;
  pstats->cOutOfSessions = data.out_of_sessions;
  pstats->cWaits = data.waits;
  pstats->cWaitTimeouts = data.wait_timeouts;
  pstats->cmsecWaitTotal = data.wait_micros / 1000U;
  return Error::kSuccess;
}

Error InstanceRegistry::Term(JET_INSTANCE instance, JET_GRBIT grbit) noexcept {
  InstanceRef ref{};
  Record* record = nullptr;
  {
    MutexLock lock(&mutex_);
    const Error error = ResolveLocked(instance, &ref, &record);
    if (error != Error::kSuccess) return error;
    if ((record->core.LoadState() & Core::kTerminating) != 0) {
      return Error::kTermInProgress;
    }
    if ((grbit & ~kTermGrbits) != 0) return Error::kInvalidGrbit;
    // From here on, new calls get TermInProgress and every pool word is
    // closed; a second Term sees the flag.
    record->core.SetFlag(Core::kTerminating);
  }
  // Without the lock: the calls in flight may need it (parameter calls on
  // a session hold its busy flag, then take the lock).
  record->core.Drain();
  {
    MutexLock lock(&mutex_);
    FreeLocked(ref, record);
  }
  return (grbit & JET_bitTermDirty) != 0 ? Error::kDirtyShutdown
                                         : Error::kSuccess;
}

}  // namespace jetsession::internal
