// instance_core.h: one instance's state machine and its session calls.
//
// InstanceCore<Policy> holds an instance's atomic state word (generation,
// lifecycle, stop/unavailable/terminating flags) and its SlotPool, and
// implements Begin, Dup, End and the session-context calls over them,
// lock-free. The state is mirrored into the pool words' closed bits, so that
// a Begin checks the state and claims a slot in one CAS.
//
// Thread safety: the session calls (Begin, Dup, End, SetContext,
// ResetContext, EnterCall/ExitCall, Count) may be called from any number of
// threads at once. The owner-side calls (Create, Init, BeginRestore,
// EndRestore, Stop, SetUnavailable, BeginTerm, Drain, Release) change the
// lifecycle and must be serialized by the caller (the registry's lock);
// Resize() runs one at a time under LockResize(), in a wait scope, beside
// any of them but Drain(), which waits for it. All may run concurrently
// with any number of session calls.
// Progress: session calls are lock-free (a resize holds nobody up:
// SlotPool::HelpResize(), TakeUnit(), HelpUnits()), except that BeginWait
// and DupWait block by design (a futex, until a slot, the deadline or a
// flag; a waiter that leaves on Unavailable or Term also waits for the few
// steps of the Ends then in flight, AwaitEndsBefore()). Drain() blocks
// until the calls in flight have returned.
// Invariant: the pool words carry kClosedForBegin only if the state has
// kStopped, kUnavailable or kTerminating (closure follows the flag); a
// "closure complete" mark is in the state only once every active word is
// closed.
// Memory ordering: a session call that acquires a state with lifecycle
// Running sees the pool that Init() published with it (release). A call that
// returns a stop/unavailable/terminating error does so only after every
// word is closed and the pool's gate set (it helps the closure), so a Begin
// that succeeds is linearized before the Stop, SetUnavailable or BeginTerm
// that it raced, and a waiter's grant is ordered by its head CAS against
// the gate (SlotPool::HandOver()). An
// End holds its session, then re-reads the state (seq_cst, against the
// seq_cst flag CAS): it succeeds only when it is ordered before the flag,
// and then its grant ignores the gate of Unavailable and Term.
// Lifetime: an InstanceCore is never destroyed while the process runs (the
// registry keeps its records type-stable); its generation grows on every
// Release(), so a handle of an ended incarnation is recognized as stale.
#ifndef JETSESSION_SRC_INSTANCE_CORE_H_
#define JETSESSION_SRC_INSTANCE_CORE_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "atomics.h"
#include "jetsession/error.h"
#include "session_stats.h"
#include "session_tracking.h"
#include "slot_pool.h"
#include "stop_request.h"

namespace jetsession::internal {

// A session opened by Begin() or Dup(): its slot and handle generation.
struct OpenedSession {
  std::uint32_t slot = 0;
  std::uint32_t gen = 0;
};

// What InstanceCore::Stats() reports (JET_EXTSESSIONSTATS's figures).
struct SessionStatsData {
  std::uint32_t capacity = 0;
  std::uint32_t ceiling = 0;
  std::uint32_t open = 0;
  std::uint32_t waiters = 0;
  std::uint64_t begun = 0;
  std::uint64_t ended = 0;
  std::uint64_t out_of_sessions = 0;
  std::uint64_t waits = 0;
  std::uint64_t wait_timeouts = 0;
  std::uint64_t wait_micros = 0;
  bool running = false;  // false: before JetInit (every figure 0)
};

// Points of InstanceCore::Stats() at which a test policy may run other
// threads' steps (Policy::AtStatsStep(), see tests/session_stats_test.cc);
// the library's policy has no such hook.
enum class StatsStep {
  kBetweenFirstReads,  // between the reads of the waits ever counted and of
                       // the waits under way
  kAfterPass,          // after the pass over the slots and the phantom read
  kBeforeMarks,        // the incarnation checked again, the marks not raised
                       // (the last step)
};

template <class Policy = StdAtomics>
class InstanceCore {
  template <class T>
  using Atomic = typename Policy::template Atomic<T>;

 public:
  using Pool = SlotPool<Policy>;
  using Counters = SessionCounters<Policy>;

  // State word layout (64 bits):
  //
  //   63..16    15..11 10   9    8    7    6    5    4    3    2..0
  //   +--------+------+----+----+----+----+----+----+----+----+-----+
  //   |gen (48)| 0    |ends|trk.|term|unav|stop|term|unav|stop|life-|
  //   |        |      |sett|    |clsd|clsd|clsd|flag|flag|flag|cycle|
  //   +--------+------+----+----+----+----+----+----+----+----+-----+
  //
  // (gen: the generation; trk.: tracking; clsd: closed; sett: settled)
  //
  // The generation names the incarnation (it is the high part of the
  // instance handle) and grows by one in Release(); 0 is never used, so a
  // zeroed record matches no handle. Flags are set once per incarnation and
  // never cleared; a "closed" mark says the closure of the pool words for
  // that flag is complete; "ends settled" says that every End that held a
  // session when Unavailable or Terminating was set has let go of it
  // (SetFlag(), before it returns).
  static constexpr std::uint64_t kLifecycleMask = 0x7;
  static constexpr std::uint64_t kFree = 0;
  static constexpr std::uint64_t kCreated = 1;
  static constexpr std::uint64_t kRestoring = 2;
  static constexpr std::uint64_t kRunning = 3;
  static constexpr std::uint64_t kStopped = 1U << 3U;
  static constexpr std::uint64_t kUnavailable = 1U << 4U;
  static constexpr std::uint64_t kTerminating = 1U << 5U;
  static constexpr std::uint64_t kStopClosed = 1U << 6U;
  static constexpr std::uint64_t kUnavailableClosed = 1U << 7U;
  static constexpr std::uint64_t kTermClosed = 1U << 8U;
  static constexpr std::uint64_t kClosureMarks =
      kStopClosed | kUnavailableClosed | kTermClosed;
  // JET_paramExtSessionTracking, set by Init() for the incarnation: the
  // Begin fast path (TryBeginFast()) compares the whole state word, so with
  // it set every Begin takes the path that stamps (ClaimIn()), and without
  // it Begin pays nothing.
  static constexpr std::uint64_t kTracking = 1U << 9U;
  // Set by SetFlag() once the Ends that held a session when it set
  // Unavailable or Terminating have let go: an End that holds one after
  // that took it after the flag, so it re-reads the flag and leaves the
  // session open (Enter()).
  static constexpr std::uint64_t kEndsSettled = 1U << 10U;
  static constexpr unsigned kGenShift = 16;
  // The flags that refuse an End.
  static constexpr std::uint64_t kEndFlags = kUnavailable | kTerminating;

  InstanceCore() = default;
  InstanceCore(const InstanceCore&) = delete;
  InstanceCore& operator=(const InstanceCore&) = delete;
  ~InstanceCore() = default;

  static std::uint64_t GenOf(std::uint64_t state) noexcept {
    return state >> kGenShift;
  }
  static std::uint64_t LifecycleOf(std::uint64_t state) noexcept {
    return state & kLifecycleMask;
  }

  // acquire: pairs with the release CASes of the owner-side calls (and of
  // the closure marks): a Running state comes with its published pool.
  std::uint64_t LoadState() const noexcept {
    return state_.load(std::memory_order_acquire);
  }

  // True when `state` is a live incarnation with generation `gen`.
  static bool IsLive(std::uint64_t state, std::uint64_t gen) noexcept {
    return GenOf(state) == gen && LifecycleOf(state) != kFree;
  }

  // The error a Begin gets from `state`, in ESE's check order, or kSuccess
  // when the instance is Running with no flag.
  static Error BeginError(std::uint64_t state) noexcept {
    if ((state & kStopped) != 0) return Error::kClientRequestToStopJetService;
    if ((state & kUnavailable) != 0) return Error::kInstanceUnavailable;
    if ((state & kTerminating) != 0) return Error::kTermInProgress;
    switch (LifecycleOf(state)) {
      case kRestoring:
        return Error::kRestoreInProgress;
      case kCreated:
        return Error::kNotInitialized;
      default:
        return Error::kSuccess;
    }
  }

  // The error a context or parameter call on a session gets from `state`,
  // or kSuccess.
  static Error TermError(std::uint64_t state) noexcept {
    return (state & kTerminating) != 0 ? Error::kTermInProgress
                                       : Error::kSuccess;
  }

  // The error an End gets from `state`, or kSuccess.
  static Error EndError(std::uint64_t state) noexcept {
    if ((state & kUnavailable) != 0) return Error::kInstanceUnavailable;
    if ((state & kTerminating) != 0) return Error::kTermInProgress;
    return Error::kSuccess;
  }

  // ---- Session calls (lock-free) ----------------------------------------

  // Opens a session on the incarnation `gen` (from the instance handle).
  // Returns kInvalidInstance when that incarnation is gone.
  Error Begin(std::uint64_t gen, OpenedSession* opened) noexcept {
    const std::uint64_t state = LoadState();
    if (!IsLive(state, gen)) return Error::kInvalidInstance;
    const Error error = BeginError(state);
    if (error != Error::kSuccess) return Settled(state, error);
    return ClaimIn(gen, opened);
  }

  using WaitClock = typename Policy::WaitClock;
  using Stop = StopRequest<Policy>;

  // JetExtBeginSessionWait: Begin(), and where it would answer
  // kOutOfSessions, waits for a freed slot until `deadline`, first come,
  // first served (see WaitForSlot()).
  // `stop`, when not null, ends the wait with kWaitCancelled once it is
  // requested (the C++ API's std::stop_token; RequestStop() marks it and
  // wakes this waiter to look at it).
  Error BeginWait(std::uint64_t gen, OpenedSession* opened,
                  typename WaitClock::time_point deadline,
                  Stop* stop = nullptr) noexcept {
    const Error error = Begin(gen, opened);
    if (error != Error::kOutOfSessions) return error;
    return WaitForSlot(gen, deadline, stop, opened);
  }

  // Marks `stop` requested and wakes its waiter, a caller of BeginWait()
  // on incarnation `gen`, to look at it (the C++ API's stop callback, on
  // the thread that requests the stop). It wakes that waiter alone, where
  // the waiter published that it sleeps (see StopRequest): the cell of its
  // ticket, or, listed, its own wake word and the list's head word (the
  // head and the callers past the list's limit sleep there). A waker that
  // finds Terminating wakes nothing: JetTerm's own alert woke every
  // waiter. The caller keeps the pool alive meanwhile (EnterWaitScope()).
  void RequestStop(std::uint64_t gen, Stop* stop) noexcept {
    stop->Mark();
    std::uint32_t ticket = 0;
    const typename Stop::Place place = stop->Where(&ticket);
    if (place == Stop::Place::kNowhere) return;
    const std::uint64_t state = LoadState();
    if (GenOf(state) != gen || LifecycleOf(state) != kRunning ||
        (state & kTerminating) != 0) {
      return;
    }
    // acquire: pairs with Init()'s release store of the pool.
    Pool* const pool = pool_.load(std::memory_order_acquire);
    if (place == Stop::Place::kTicket) {
      pool->waiters().AlertTicket(ticket);
    } else {
      Pool::OverflowList::Bump(stop->WakeWord());
      pool->overflow().WakeHead();
    }
  }

  // A C++ wait with a stop request: from before its std::stop_callback is
  // registered to after it is destroyed. That destructor waits for a
  // callback running on the thread that requests the stop (WakeWaiters(),
  // or the few steps around it, which can be descheduled), so JetTerm
  // waits for these scopes (Drain()), and every such call has returned
  // (its last steps aside) before JetTerm does. JetExtSetMaxSessions runs
  // in one too, from its state check (under the registry's lock) to its
  // return, so that JetTerm never drains beside a resize. seq_cst, the entry: a
  // call that enters after Drain() read the count reads the state after it,
  // finds Terminating and returns at once.
  void EnterWaitScope() noexcept {
    wait_scopes_.fetch_add(1, std::memory_order_seq_cst);
  }
  // release: the call's steps happen-before the return of a Drain() that
  // reads the count down.
  void ExitWaitScope() noexcept {
    wait_scopes_.fetch_sub(1, std::memory_order_release);
  }

  // JetExtDupSessionWait: opens a session on the instance of the open
  // session (src_slot, src_gen), and where the pool is full waits as
  // BeginWait() until `deadline` (min(): no wait, Dup()), holding the
  // source session's busy flag meanwhile.
  Error DupWait(std::uint32_t src_slot, std::uint32_t src_gen,
                OpenedSession* opened,
                typename WaitClock::time_point deadline) noexcept {
    Pool* const pool = PoolFor(src_slot);
    if (pool == nullptr) return Error::kInvalidSesid;
    std::uint64_t control = 0;
    std::uint64_t state = 0;
    const Error error =
        Enter(pool, src_slot, src_gen, BeginError, &control, &state);
    if (error != Error::kSuccess) return error;
    const Error result = ClaimIn(GenOf(state), opened);
    if (result == Error::kOutOfSessions) {
      const HeldSource source{src_slot, control};
      return WaitForSlot(GenOf(state), deadline, nullptr, opened, &source);
    }
    pool->ExitCall(src_slot, control);
    return result;
  }

  // Callers in BeginWait() or DupWait() now (relaxed: a figure for reports
  // and tests).
  std::uint32_t Waiting() const noexcept {
    // acquire: pairs with Init()'s release store of the pool.
    const Pool* const pool = pool_.load(std::memory_order_acquire);
    return pool == nullptr ? 0 : pool->waiters().Callers();
  }
  // Tickets of the pool's queue not yet reached by a free (see
  // Pool::QueuedTickets()); 0 before JetInit.
  std::uint32_t QueuedTickets() const noexcept {
    // acquire: pairs with Init()'s release store of the pool.
    const Pool* const pool = pool_.load(std::memory_order_acquire);
    return pool == nullptr ? 0 : pool->QueuedTickets();
  }
  // Callers in the overflow list now (past the ring's limit), for tests
  // and reports; 0 before JetInit.
  std::uint32_t ListedCallers() const noexcept {
    // acquire: pairs with Init()'s release store of the pool.
    Pool* const pool = pool_.load(std::memory_order_acquire);
    return pool == nullptr ? 0 : pool->ListedCallers();
  }
  // Tickets taken since JetInit, modulo the ticket counter's range (the
  // queue's tail), for tests; 0 before JetInit.
  std::uint32_t TicketsTaken() const noexcept {
    // acquire: pairs with Init()'s release store of the pool.
    const Pool* const pool = pool_.load(std::memory_order_acquire);
    return pool == nullptr ? 0 : pool->TicketsTaken();
  }

  // Begin's fast path: the instance is Running with no flag and the
  // calling thread's hint word has a free slot.
  // Its result is the pool's (Pool::TryClaimAtHint()); kDeclined when the
  // instance is not so.
  // `ExtraBits`: state bits the caller expects besides Running (kTracking for
  // TryBeginFastTracked()).
  template <std::uint64_t ExtraBits = 0>
  [[gnu::always_inline]] typename Pool::HintResult TryBeginFast(
      std::uint64_t gen) noexcept {
    const std::uint64_t expected = (gen << kGenShift) | kRunning | ExtraBits;
    const std::uint64_t state = LoadState();
    if ((state & ~kClosureMarks) != expected) {
      return {Pool::HintClaim::kDeclined, 0, 0, nullptr};
    }
    // acquire: pairs with Init()'s release store of the pool.
    Pool* const pool = pool_.load(std::memory_order_acquire);
    // The incarnation checks around the claim CAS compare the whole state
    // word with this read: the generation only grows, so an equal word is
    // the same incarnation (a flag set meanwhile only sends the Begin to
    // Begin(), which decides again).
    return pool->TryClaimAtHint([this, state] { return LoadState() == state; });
  }

  // TryBeginFast() for an instance with tracking (the Begin that
  // TryBeginFast() declined for its tracking bit): the same claim, then the
  // stamp. Called only after that decline, so Begin without tracking pays
  // nothing for it.
  typename Pool::HintResult TryBeginFastTracked(std::uint64_t gen) noexcept {
    const typename Pool::HintResult claim = TryBeginFast<kTracking>(gen);
    if (claim.outcome == Pool::HintClaim::kClaimed) {
      // acquire: pairs with Init()'s release store of the pool.
      Stamp(pool_.load(std::memory_order_acquire),
            {static_cast<std::uint32_t>(claim.slot),
             claim.control_low >> Pool::kGenShift});
    }
    return claim;
  }

  // Opens a session on the instance of the open session (src_slot,
  // src_gen); holds src's busy flag meanwhile (JetTerm cannot finish the
  // incarnation before it lets go).
  Error Dup(std::uint32_t src_slot, std::uint32_t src_gen,
            OpenedSession* opened) noexcept {
    return DupWait(src_slot, src_gen, opened, WaitClock::time_point::min());
  }

  // Ends the open session (slot, gen).
  //
  // The End holds the session (busy, one CAS), then re-reads the state:
  // seq_cst both, against SetFlag()'s seq_cst CAS (a Dekker pair). If the
  // re-read shows no Unavailable/Terminating flag, that flag's CAS comes
  // after our hold in the single total order, so the End is linearized at
  // the hold, before the flag, and may complete (JetTerm's ForceEndAll()
  // waits for it); otherwise it lets go and reports the flag. Then Free():
  // a store to the control word and one fetch_add on the pool word. Two
  // RMWs in all.
  Error End(std::uint32_t slot, std::uint32_t gen) noexcept {
    Pool* const pool = PoolFor(slot);
    if (pool == nullptr) return Error::kInvalidSesid;
    // The uncommon cases go to out-of-line functions, as tail calls, so
    // that this path saves no registers. One compare checks that the
    // session is open, not busy, and of the handle's generation; any other
    // case takes the full check (EndNotHeld(), in ESE's order).
    const std::uint64_t control = pool->LoadControl(slot);
    if (!Pool::IsOpenIdle(control, gen)) return EndNotHeld(pool, slot, gen);
    // An End that starts after a Terminating (or Unavailable) flag does not
    // take the session: JetTerm's drain waits for every session held, and
    // threads that keep calling End would hold it up. One load of the
    // state word, which EndHeld() reads again after the hold.
    if (!kHoldBeforeStateCheck && (LoadState() & kEndFlags) != 0) {
      return EndNotHeld(pool, slot, gen);
    }
    if constexpr (Policy::kMutation == Mutation::kNoEndRecheck) {
      Policy::Yield();  // widen the window that the re-check closes
    }
    if (!pool->TryEnterCall(slot, control, Pool::kEndHold)) {
      return EndNotHeld(pool, slot, gen);
    }
    return EndHeld(pool, slot, control);
  }

  // Validates (slot, gen) and sets its busy flag; on kSuccess `*control`
  // must be passed to ExitCall(). Errors: kInvalidSesid, kTermInProgress,
  // kSessionSharingViolation.
  //
  // For the context and parameter calls, which Term must be able to
  // overtake: a call that sees Terminating answers kTermInProgress without
  // taking the session (so a thread that loops such calls never holds up
  // JetTerm's drain), and one that took the session re-reads the state
  // after the hold (seq_cst, End's Dekker pair with SetFlag()): it goes on
  // only if it is ordered before the flag, else it lets go.
  Error EnterCall(std::uint32_t slot, std::uint32_t gen,
                  std::uint64_t* control) noexcept {
    Pool* const pool = PoolFor(slot);
    if (pool == nullptr) return Error::kInvalidSesid;
    std::uint64_t state = 0;
    if constexpr (kHoldBeforeStateCheck) {
      return Enter(
          pool, slot, gen, [](std::uint64_t) { return Error::kSuccess; },
          control, &state);
    } else {
      const Error error = Enter(pool, slot, gen, TermError, control, &state);
      if (error != Error::kSuccess) return error;
      // seq_cst: the second half of the Dekker pair (see End()).
      state = state_.load(std::memory_order_seq_cst);
      if ((state & kTerminating) != 0) {
        pool->ExitCall(slot, *control);
        return Settled(state, Error::kTermInProgress);
      }
      return Error::kSuccess;
    }
  }

  // kSuccess when (slot, gen) is an open session at an instant of the call,
  // else kInvalidSesid: a load of its control word (three when an End holds
  // it), nothing taken (JetExtGetSessionSlot).
  Error CheckOpen(std::uint32_t slot, std::uint32_t gen) const noexcept {
    const Pool* const pool = PoolFor(slot);
    return pool != nullptr && pool->IsOpenSession(slot, gen)
               ? Error::kSuccess
               : Error::kInvalidSesid;
  }

  void ExitCall(std::uint32_t slot, std::uint64_t control) noexcept {
    PoolFor(slot)->ExitCall(slot, control);
  }

  // Test builds only (a policy with kTestAccess): takes open session
  // (slot, gen) as an End does (Pool::kEndHold) without looking at the
  // state, as an End in flight that read the state before a flag; the test
  // lets go with ExitCall(*control).
  bool HoldAsEndForTest(std::uint32_t slot, std::uint32_t gen,
                        std::uint64_t* control) noexcept requires
      HasTestAccess<Policy> {
    Pool* const pool = PoolFor(slot);
    *control = pool->LoadControl(slot);
    return Pool::IsOpenIdle(*control, gen) &&
           pool->TryEnterCall(slot, *control, Pool::kEndHold);
  }

  // JetSetSessionContext: records `context` and the calling thread.
  Error SetContext(std::uint32_t slot, std::uint32_t gen,
                   std::uintptr_t context) noexcept {
    Pool* const pool = PoolFor(slot);
    if (pool == nullptr) return Error::kInvalidSesid;
    // Validate first: InvalidSesid comes before the argument check, and
    // so does TermInProgress (the contract: "after the InvalidSesid
    // check"), which EnterCall() answers for a valid argument.
    if (!Pool::Matches(pool->LoadControl(slot), gen)) {
      return Error::kInvalidSesid;
    }
    if (context == 0 || context == ~std::uintptr_t{0}) {
      if constexpr (Policy::kMutation == Mutation::kContextArgFirst) {
        return Error::kInvalidParameter;
      }
      // InvalidSesid, then TermInProgress (or the sharing violation beside
      // an End that may precede Term's flag), else InvalidParameter: a look
      // at the session, which it does not take.
      std::uint64_t control = 0;
      std::uint64_t state = 0;
      const Error error =
          Enter(pool, slot, gen, TermError, &control, &state, kLookOnly);
      return error == Error::kSuccess ? Error::kInvalidParameter : error;
    }
    std::uint64_t control = 0;
    const Error error = EnterCall(slot, gen, &control);
    if (error != Error::kSuccess) return error;
    Error result = Error::kSessionContextAlreadySet;
    if (pool->context(slot) == 0) {
      pool->set_context(slot, context, Policy::ThreadId());
      result = Error::kSuccess;
    }
    pool->ExitCall(slot, control);
    return result;
  }

  // JetResetSessionContext: clears a context this thread set.
  Error ResetContext(std::uint32_t slot, std::uint32_t gen) noexcept {
    std::uint64_t control = 0;
    const Error error = EnterCall(slot, gen, &control);
    if (error != Error::kSuccess) return error;
    Pool* const pool = PoolFor(slot);
    Error result = Error::kSessionContextNotSetByThisThread;
    if (pool->context(slot) != 0 &&
        pool->context_thread(slot) == Policy::ThreadId()) {
      pool->set_context(slot, 0, 0);
      result = Error::kSuccess;
    }
    pool->ExitCall(slot, control);
    return result;
  }

  // Open sessions of incarnation `gen`, into *count; exact when no
  // Begin/Dup/End is in flight. kInvalidInstance when that incarnation is
  // gone, kTermInProgress while it terminates (its sessions are being
  // force-ended).
  //
  // The words are read while the record may be reused: a JetTerm and a
  // re-create on the same record may Reset() the pool between the state
  // check and the word loads. So the state is read again after them: the
  // word loads are acquire, and a word that a later Reset() stored makes
  // the generation bump that preceded it visible to that re-read. If the
  // generation is still `gen`, every word read belonged to it.
  Error Count(std::uint64_t gen, std::uint32_t* count) const noexcept {
    constexpr bool kAnyIncarnation =
        Policy::kMutation == Mutation::kCountAnyIncarnation;
    const std::uint64_t state = LoadState();
    if (!kAnyIncarnation && !IsLive(state, gen)) {
      return Error::kInvalidInstance;
    }
    if ((state & kTerminating) != 0) return Error::kTermInProgress;
    if constexpr (kAnyIncarnation) Policy::Yield();  // widen the window
    std::uint32_t n = 0;
    if (LifecycleOf(state) == kRunning) {
      // acquire: pairs with Init()'s release store of the pool pointer.
      n = pool_.load(std::memory_order_acquire)->CountClaimed();
    }
    if (!kAnyIncarnation && GenOf(LoadState()) != gen) {
      return Error::kInvalidInstance;
    }
    *count = n;
    return Error::kSuccess;
  }

  // JetExtGetSessionStats for incarnation `gen`, into *out; errors as
  // Count(). Every count is exact when no call on the instance is in
  // flight, and no count reported goes below one reported before.
  //
  // Begin and End count nothing: one pass over the slots sums their
  // generation steps since JetInit (each End makes one, and so does a
  // waiter that ends again a session it holds but does not answer,
  // EndPhantom(), counted in kPhantoms before its step) and their open
  // control words. So
  //   ended = steps - phantoms
  //   begun = ended + open
  // when nothing is in flight. In flight, a slot's (steps + open) only
  // grows with real sessions, but a control word can also be open for a
  // session no caller has yet: one handed to a waiter that may still give
  // it back. Those exist only while a caller waits or a free hands its slot
  // over, so begun is lowered by the callers and hand-offs that may have
  // overlapped the pass (counted before and after it), and the marks keep
  // both figures from going back. Ended only ever falls short in flight
  // (the phantom count is read after the pass that saw its step).
  Error Stats(std::uint64_t gen, SessionStatsData* out) noexcept {
    const std::uint64_t state = LoadState();
    if (!IsLive(state, gen)) return Error::kInvalidInstance;
    if ((state & kTerminating) != 0) return Error::kTermInProgress;
    SessionStatsData data;
    if (LifecycleOf(state) != kRunning) {
      *out = data;
      return Error::kSuccess;
    }
    // acquire: pairs with Init()'s release store of the pool pointer.
    const Pool* const pool = pool_.load(std::memory_order_acquire);
    data.running = true;
    // seq_cst, all four (in the callees): ordered before the pass (see
    // SlotPool::ScanSlots()). The waits ever counted before the waits under
    // way: a waiter counts itself under way first, so one counted in
    // waits_before is seen under way, or had left before this read.
    std::uint64_t waits_before = 0;
    std::uint64_t callers_before = 0;
    if constexpr (Policy::kMutation == Mutation::kStatsInFlightFirst) {
      callers_before = WaitsUnderWay(pool, gen);
      AtStatsStep(StatsStep::kBetweenFirstReads);
      waits_before = counters_.Read(Counters::kWaits, gen);
    } else {
      waits_before = counters_.Read(Counters::kWaits, gen);
      AtStatsStep(StatsStep::kBetweenFirstReads);
      callers_before = WaitsUnderWay(pool, gen);
    }
    const std::uint32_t handing_before = pool->Handing();
    const std::uint64_t hand_offs_before = pool->HandOffs();
    std::uint64_t steps = 0;
    std::uint32_t open = 0;
    pool->ScanSlots(&steps, &open);
    const std::uint64_t phantoms = counters_.Read(Counters::kPhantoms, gen);
    AtStatsStep(StatsStep::kAfterPass);
    // The timeouts before the waits and the OutOfSessions answers, which a
    // waiter counts before them: a report never shows more timeouts than
    // either.
    data.wait_timeouts = counters_.Read(Counters::kWaitTimeouts, gen);
    const std::uint64_t callers_after = WaitsUnderWay(pool, gen);
    const std::uint32_t handing_after = pool->Handing();
    data.waits = counters_.Read(Counters::kWaits, gen);
    const std::uint64_t hand_offs_after = pool->HandOffs();
    data.capacity = pool->capacity();
    data.ceiling = pool->ceiling();
    data.open = pool->CountClaimed();
    data.waiters = pool->waiters().QueuedCallers();
    data.wait_micros = counters_.Read(Counters::kWaitMicros, gen);
    data.out_of_sessions = counters_.ReadOutOfSessions(gen);
    // The words were of incarnation `gen` only if it still holds (as
    // Count()); a Term that began meanwhile may have force-ended sessions
    // during the pass (steps that are no End).
    const std::uint64_t after = LoadState();
    if (GenOf(after) != gen) return Error::kInvalidInstance;
    if ((after & kTerminating) != 0) return Error::kTermInProgress;
    const std::uint64_t ended = steps >= phantoms ? steps - phantoms : 0;
    const std::uint64_t unsure = std::max(callers_before, callers_after) +
                                 std::max(handing_before, handing_after) +
                                 (data.waits - waits_before) +
                                 (hand_offs_after - hand_offs_before);
    const std::uint64_t seen =
        ended + open +
        (Policy::kMutation == Mutation::kStatsNoInFlight ? unsure : 0);
    const std::uint64_t begun = seen > unsure ? seen - unsure : 0;
    AtStatsStep(StatsStep::kBeforeMarks);
    // A mark of another incarnation: this one ended (and the record was
    // initialized again) after the check above, during the call: its
    // figures are not reported (the call is ordered after the JetTerm).
    if (!counters_.Raise(Counters::kEndedMark, gen, ended, &data.ended) ||
        !counters_.Raise(Counters::kBegunMark, gen, std::max(begun, data.ended),
                         &data.begun)) {
      return Error::kInvalidInstance;
    }
    *out = data;
    return Error::kSuccess;
  }

  // Whether a grow's grant is decided and not yet finished (a test's
  // schedule reads it); false before JetInit.
  bool DebugGrantPending() const noexcept {
    // acquire: pairs with Init()'s release store of the pool pointer.
    const Pool* const pool = pool_.load(std::memory_order_acquire);
    return pool != nullptr && pool->GrantPending();
  }

  // For the debug dump: the state word, and the pool when the instance
  // runs (else nullptr). The pool is type-stable, so its words may be read
  // whatever happens to the instance meanwhile.
  const Pool* DebugPool(std::uint64_t* state) const noexcept {
    *state = LoadState();
    if (LifecycleOf(*state) != kRunning) return nullptr;
    // acquire: pairs with Init()'s release store of the pool pointer.
    return pool_.load(std::memory_order_acquire);
  }

  // What OpenSessions() reports of one session.
  struct OpenSessionInfo {
    std::uint32_t slot;
    std::uint32_t gen;  // the handle's generation
    std::uint64_t age_ms;
    std::uint32_t tid;
    std::uintptr_t context;
    bool in_call;
  };

  // JetExtGetOpenSessions: calls `emit(const OpenSessionInfo&)` for each
  // session open on incarnation `gen` at least `min_age_ms` (with tracking;
  // without it, ages and thread ids are 0, so only 0 selects sessions), in
  // slot order; errors as Count(). Each session is read at one instant
  // (SlotPool::ReadOpen()); one whose opener has not stamped it yet (its
  // Begin, or the waiter it was handed to, has not returned) is passed over:
  // it may be ordered after this call. Lock-free.
  template <class Emit>
  Error OpenSessions(std::uint64_t gen, std::uint64_t min_age_ms,
                     Emit&& emit) const noexcept {
    const std::uint64_t state = LoadState();
    if (!IsLive(state, gen)) return Error::kInvalidInstance;
    if ((state & kTerminating) != 0) return Error::kTermInProgress;
    if (LifecycleOf(state) != kRunning) return Error::kSuccess;
    const bool tracking = (state & kTracking) != 0;
    if (!tracking && min_age_ms > 0) return Error::kSuccess;
    // acquire: pairs with Init()'s release store of the pool pointer.
    const Pool* const pool = pool_.load(std::memory_order_acquire);
    for (std::uint32_t slot = 0; slot < pool->allocated(); ++slot) {
      typename Pool::OpenView view{};
      if (!pool->ReadOpen(slot, &view)) continue;
      OpenSessionInfo info{slot,         Pool::HandleGenOf(view.control), 0, 0,
                           view.context, Pool::InCall(view.control)};
      if (tracking) {
        if (!SessionStamp::IsFor(view.stamp,
                                 Pool::GenOfControl(view.control))) {
          continue;
        }
        // The clock is read after the stamp was: not before its writer's.
        info.age_ms = SessionStamp::AgeOf(view.stamp, CoarseMillis());
        info.tid = SessionStamp::TidOf(view.stamp);
        if (info.age_ms < min_age_ms) continue;
      }
      emit(info);
    }
    // As Count(): the slots read were of incarnation `gen` only if it
    // still holds.
    if (GenOf(LoadState()) != gen) return Error::kInvalidInstance;
    return Error::kSuccess;
  }

  // ---- Owner-side calls (serialized by the caller) ------------------------

  // Starts a new incarnation in state Created; returns its generation. The
  // record must be Free. Init() gives it its pool and capacity.
  std::uint64_t Create() noexcept {
    const std::uint64_t state = LoadState();
    const std::uint64_t gen = GenOf(state) + 1;
    // release: pairs with LoadState(); no session call can match the new
    // generation before this store.
    Publish(state, (gen << kGenShift) | kCreated);
    return gen;
  }

  // JetInit on a Created instance: (re)uses or allocates the pool for
  // `capacity` slots and moves to Running. kOutOfMemory leaves the state.
  // `ceiling` (JET_paramExtMaxSessionsCeiling; below `capacity`: counts as
  // `capacity`) is the room allocated, for capacities given later.
  Error Init(std::uint32_t capacity, bool tracking = false,
             std::uint32_t ceiling = 0) noexcept {
    ceiling = std::max(ceiling, capacity);
    Pool* pool = owned_pool_.get();
    if (pool == nullptr || pool->allocated() < ceiling) {
      std::unique_ptr<Pool> fresh = Pool::Create(ceiling);
      if (fresh == nullptr) return Error::kOutOfMemory;
      if (owned_pool_ != nullptr) fresh->Succeed(std::move(owned_pool_));
      owned_pool_ = std::move(fresh);
      pool = owned_pool_.get();
    }
    const std::uint64_t state = LoadState();
    std::uint64_t closed = 0;
    std::uint64_t marks = 0;
    ClosureFor(state, &closed, &marks);
    pool->Reset(capacity, closed, ceiling, GenOf(state));
    counters_.Reset(GenOf(state));
    // release: pairs with the acquire in PoolFor()/Count().
    pool_.store(pool, std::memory_order_release);
    Publish(state, (state & ~kLifecycleMask) | kRunning | marks |
                       (tracking ? kTracking : 0));
    return Error::kSuccess;
  }

  // Created <-> Restoring.
  void SetLifecycle(std::uint64_t lifecycle) noexcept {
    const std::uint64_t state = LoadState();
    Publish(state, (state & ~kLifecycleMask) | lifecycle);
  }

  // Sets kStopped, kUnavailable or kTerminating and, when Running, closes
  // the pool words for it before returning.
  void SetFlag(std::uint64_t flag) noexcept {
    std::uint64_t state = LoadState();
    // seq_cst: release pairs with LoadState() of the session calls; the
    // seq_cst order pairs with ClaimIn()'s state re-read after a kFull and
    // is the second half of End's Dekker pair (End holds the session, then
    // re-reads the state; we set the flag, then Drain() reads the control
    // words). The loop competes only with closure marks of helpers.
    while (!state_.compare_exchange_weak(state, state | flag,
                                         std::memory_order_seq_cst,
                                         std::memory_order_acquire)) {
    }
    state |= flag;
    Settled(state, Error::kSuccess);
    if (LifecycleOf(state) != kRunning) return;
    // acquire: pairs with Init()'s release store of the pool.
    Pool* const pool = pool_.load(std::memory_order_acquire);
    if (Policy::kMutation != Mutation::kNoWaiterAlert) pool->AlertWaiters();
    if ((flag & kEndFlags) != 0 && (state & kEndsSettled) == 0) {
      // Every End that holds a session now may have re-read the state
      // before the flag: wait until each has let go (a few steps), then
      // say so, so that a later call on such a session answers the flag's
      // error in ESE's order (Enter()). The flag's CAS came before the
      // scan's seq_cst loads, so an End that holds after the scan passed
      // its slot re-reads the state after the flag and lets go.
      pool->AwaitEndHolds();
      // seq_cst: after the scan; pairs with Enter()'s seq_cst state load
      // (a call that reads the bit re-loads the control word after it).
      state_.fetch_or(kEndsSettled, std::memory_order_seq_cst);
    }
  }

  // JetTerm's wait: with kTerminating set, closes every word for Begin,
  // waits for the calls in flight and force-ends the open sessions.
  void Drain() noexcept {
    const std::uint64_t state = LoadState();
    if (LifecycleOf(state) != kRunning) return;
    Settled(state, Error::kSuccess);
    // The waiters saw Terminating (SetFlag() alerted them) or see it before
    // they block: they leave, giving back what was handed to them.
    // acquire: pairs with Init()'s release store.
    Pool* const pool = pool_.load(std::memory_order_acquire);
    // seq_cst (in AwaitNoCallers()): pairs with WaitForSlot()'s count (we
    // set the flag, then read the count; it counts itself, then reads the
    // state).
    pool->waiters().AwaitNoCallers();
    // The C++ waits whose stop callback may still run on another thread
    // (EnterWaitScope()): a few steps once their waiter has left, so a few
    // yields, then short sleeps. So are the resizes (JetExtSetMaxSessions),
    // which stop deciding units at the flag's gate and paying at its
    // closed words: a few steps, unless the resizing thread is kept off the
    // processor. seq_cst: after the flag CAS.
    for (int pauses = 0; Policy::kMutation != Mutation::kTermIgnoresWakers &&
                         wait_scopes_.load(std::memory_order_seq_cst) != 0;) {
      Pool::DrainPause(&pauses);
    }
    // A grow's grant record marks a slot busy until it ends, and a unit's
    // taker or a payer may be opening or marking a slot: finished first.
    pool->FinishRecords();
    for (int pauses = 0; pool->Payers() != 0;) Pool::DrainPause(&pauses);
    pool->ForceEndAll();
    // An End handing its slot over may have let go of the hold before
    // ForceEndAll() reached its slot: it finishes its few steps before the
    // incarnation ends.
    // So may a claimer paying a shrink's debt with a free slot.
    for (int pauses = 0; pool->Handing() != 0 || pool->Payers() != 0;) {
      Pool::DrainPause(&pauses);
    }
  }

  // JetExtSetMaxSessions's lock: one resize of the instance at a time
  // (SlotPool::Resize() has one owner), taken without the registry's lock,
  // so that a resizing thread kept off the processor holds up only the next
  // resize of the same instance, and JetTerm, which waits for the resize as
  // for a wait scope (the caller enters one, under the registry's lock,
  // before it takes this). Blocks on a futex while another resize runs.
  void LockResize() noexcept {
    std::uint32_t expected = 0;
    // acquire: pairs with UnlockResize()'s release (the previous resize
    // happens-before this one). relaxed on failure: the loop below
    // acquires.
    if (resize_lock_.compare_exchange_strong(expected, 1,
                                             std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
      return;
    }
    // acquire: as above; 2 tells the holder that a thread may sleep.
    while (resize_lock_.exchange(2, std::memory_order_acquire) != 0) {
      Policy::WaitWhile(resize_lock_, 2, WaitClock::time_point::max());
    }
  }
  void UnlockResize() noexcept {
    // release: pairs with LockResize()'s acquire.
    if (resize_lock_.exchange(0, std::memory_order_release) == 2) {
      Policy::WakeAll(resize_lock_);
    }
  }

  // The capacity in force of a Running incarnation, else `otherwise` (the
  // parameter's value). Called under the registry's lock, which keeps a
  // Running record's pool (JetTerm frees the record under it).
  std::uint32_t CapacityOr(std::uint32_t otherwise) const noexcept {
    if (LifecycleOf(LoadState()) != kRunning) return otherwise;
    // acquire: pairs with Init()'s release store of the pool.
    return pool_.load(std::memory_order_acquire)->capacity();
  }

  // JetExtSetMaxSessions on a Running incarnation (the caller checked the
  // state and that `capacity` is at most Ceiling(), and holds the resize
  // lock): see SlotPool::Resize().
  void Resize(std::uint32_t capacity) noexcept {
    // acquire: pairs with Init()'s release store of the pool.
    pool_.load(std::memory_order_acquire)->Resize(capacity);
  }
  // The ceiling of a Running incarnation.
  std::uint32_t Ceiling() const noexcept {
    // acquire: pairs with Init()'s release store of the pool.
    return pool_.load(std::memory_order_acquire)->ceiling();
  }

  // Ends the incarnation: the record is Free and every handle of it stale.
  void Release() noexcept {
    const std::uint64_t state = LoadState();
    Publish(state, (GenOf(state) + 1) << kGenShift | kFree);
  }

 private:
  static void AtStatsStep(StatsStep step) noexcept {
    if constexpr (requires { Policy::AtStatsStep(step); }) {
      Policy::AtStatsStep(step);
    }
  }

  // The waits of incarnation `gen` under way (Stats()): its own count, as
  // the pool's count of waiting callers may hold a caller of an earlier
  // incarnation on the record, which has yet to leave.
  std::uint64_t WaitsUnderWay(const Pool* pool,
                              std::uint64_t gen) const noexcept {
    if (Policy::kMutation == Mutation::kStatsPoolCallers) {
      return pool->waiters().Callers();
    }
    return counters_.Read(Counters::kInFlight, gen);
  }

  // Validates (slot, gen), then the instance state by `state_error` (ESE's
  // order: state errors before the sharing check), then sets the session's
  // busy flag. On kSuccess, *control is the control word before the flag
  // and *state the state read while the session was open.
  //
  // A session that another call holds (busy) answers the sharing violation
  // after the state errors, in ESE's order, except in one case: the holder
  // is an End (kByEnd), the state carries Unavailable or Terminating, the
  // flags that refuse an End, but not yet kEndsSettled, and no session
  // context is set. That End may have re-read the state before the flag
  // and go on to end the session, ordered before the flag; a state error,
  // which says that the session was open after the flag, would then fit no
  // order (two Ends racing an Unavailable: one succeeds, the other must not
  // answer InstanceUnavailable). While the holder is in flight its outcome
  // is unknown, and the sharing violation is the one answer that holds
  // either way. Once the flag's setter has seen every such End let go
  // (kEndsSettled, before JetExtSetInstanceUnavailable or JetTerm2 go on),
  // an End that holds took the session after the flag and will leave it
  // open; so does an End of a session whose context is set (SessionInUse).
  // Any other holder cannot end the session, and Stop does not refuse End
  // (an End holding then is ordered late).
  //
  // `hold` is what the hold sets: kBusy, or Pool::kEndHold for an End; or
  // kLookOnly for a call that answers without taking the session
  // (SetContext() with a bad argument): kSuccess then says that the session
  // was open with no state error, and a busy session answers the sharing
  // violation only as the exception above.
  static constexpr std::uint64_t kLookOnly = 0;
  template <class StateError>
  Error Enter(Pool* pool, std::uint32_t slot, std::uint32_t gen,
              StateError state_error, std::uint64_t* control,
              std::uint64_t* state, std::uint64_t hold = Pool::kBusy) noexcept {
    for (;;) {
      *control = pool->LoadControl(slot);
      if (!Pool::Matches(*control, gen)) return Error::kInvalidSesid;
      if (Pool::IsPayingMark(*control) &&
          Policy::kMutation != Mutation::kEnterIgnoresPayer) {
        // Held by an End that pays a shrink's debt with the slot: if its
        // payment took effect, the session has ended (as
        // JetExtGetSessionSlot answers), though the End still holds it.
        std::uint64_t again = 0;
        const auto held = pool->PayingSession(slot, *control, &again);
        if (held == Pool::HeldSession::kEnded) return Error::kInvalidSesid;
        if (held == Pool::HeldSession::kChanged) continue;
      }
      // seq_cst, both: a hold that precedes a flag in the single total
      // order (the holder's CAS, then the flag CAS) is seen by the control
      // re-load of a call that saw the flag, which then starts over and
      // finds the session held (an acquire re-load could still read the
      // idle word).
      *state = state_.load(std::memory_order_seq_cst);
      const Error error = state_error(*state);
      const bool end_may_precede_flag =
          (hold != kLookOnly ||
           Policy::kMutation != Mutation::kBadContextNoEnd) &&
          EndMayPrecedeFlag(pool, slot, *control, *state);
      if (error != Error::kSuccess && !end_may_precede_flag) {
        // The state read counts only if the session was still open and in
        // the same hold state at it (a JetTerm that completed in between
        // bumped the generation; an End that took the session since is
        // seen on the next round).
        if (pool->LoadControlSeqCst(slot) != *control) continue;
        return Settled(*state, error);
      }
      if (hold == kLookOnly) {
        if (error == Error::kSuccess) return Error::kSuccess;
        // The exception, checked as the state error is: unchanged, the
        // session was held by that End at the state read.
        if (pool->LoadControlSeqCst(slot) != *control) continue;
        return Error::kSessionSharingViolation;
      }
      if ((*control & Pool::kBusy) != 0) {
        return Error::kSessionSharingViolation;
      }
      if (pool->TryEnterCall(slot, *control, hold)) return Error::kSuccess;
    }
  }

  // Whether a call that found session `slot` held as `control` (its first
  // load) and then read `state` answers the sharing violation before the
  // state's error (Enter()): an End holds it, the state refuses End, the
  // Ends held at the flag are not yet settled, and no context is set. The
  // context is read after the control word that shows the hold (a load
  // that reads the holder's CAS, after the release of the call that wrote
  // the context); the caller checks both with a re-load of the control
  // word after this.
  static bool EndMayPrecedeFlag(const Pool* pool, std::uint32_t slot,
                                std::uint64_t control,
                                std::uint64_t state) noexcept {
    return Policy::kMutation != Mutation::kStateBeforeBusy &&
           (control & Pool::kEndHold) == Pool::kEndHold &&
           (state & kEndFlags) != 0 &&
           ((state & kEndsSettled) == 0 ||
            Policy::kMutation == Mutation::kEndsNeverSettle) &&
           pool->context(slot) == 0;
  }

  // End when the first hold failed: the full check in ESE's order, then
  // the same steps as End().
  [[gnu::noinline]] Error EndNotHeld(Pool* pool, std::uint32_t slot,
                                     std::uint32_t gen) noexcept {
    std::uint64_t control = 0;
    std::uint64_t state = 0;  // Enter's read; EndHeld() reads it again
    const Error error =
        Enter(pool, slot, gen, EndError, &control, &state, Pool::kEndHold);
    if (error != Error::kSuccess) return error;
    return EndHeld(pool, slot, control);
  }

  // End's steps once it holds the session (entered with `control`): the
  // state re-read, then the free, or a refusal.
  Error EndHeld(Pool* pool, std::uint32_t slot,
                std::uint64_t control) noexcept {
    // seq_cst: the second half of the Dekker pair (see End()).
    const std::uint64_t state = Policy::kMutation == Mutation::kNoEndRecheck
                                    ? kRunning
                                    : state_.load(std::memory_order_seq_cst);
    if ((state & kEndFlags) != 0 || pool->context(slot) != 0) {
      return EndRefused(pool, slot, control, state);
    }
    pool->Free(slot, control);
    return Error::kSuccess;
  }

  // End holds the session but may not end it: the instance is unavailable
  // or terminating (read after the hold), or a context is set. Lets go.
  [[gnu::noinline]] Error EndRefused(Pool* pool, std::uint32_t slot,
                                     std::uint64_t control,
                                     std::uint64_t state) noexcept {
    pool->ExitCall(slot, control);
    const Error late = EndError(state);
    if (late != Error::kSuccess) return Settled(state, late);
    return Error::kSessionInUse;
  }

  // Waits for a slot in incarnation `gen`, whose pool was just found full,
  // until `deadline`. The caller is counted in the pool's waiters meanwhile
  // (JetTerm waits for the count to fall to 0). It queues only on a verified
  // full flag (Pool::Enqueue()), else claims again; once queued it blocks on
  // its ticket's cell until a freed slot is delivered, the deadline passes, or
  // a flag (Stop, Unavailable, Term) wakes it.
  // A Dup's source session, held busy while its Dup waits (WaitForSlot()
  // lets go of it before the caller is uncounted, so that JetTerm's drain,
  // once the count is 0, finds it idle).
  struct HeldSource {
    std::uint32_t slot = 0;
    std::uint64_t control = 0;
  };

  Error WaitForSlot(std::uint64_t gen, typename WaitClock::time_point deadline,
                    Stop* stop, OpenedSession* opened,
                    const HeldSource* source = nullptr) noexcept {
    // acquire: pairs with Init()'s release store of the pool.
    Pool* const pool = pool_.load(std::memory_order_acquire);
    const auto let_go = [&] {
      if (source != nullptr) pool->ExitCall(source->slot, source->control);
    };
    // min(): no wait (the plain calls); the full answer stands.
    if (deadline == WaitClock::time_point::min()) {
      counters_.AddOutOfSessions(gen);
      let_go();
      return Error::kOutOfSessions;
    }
    // The full answer that sent the caller here may predate the deadline:
    // once it has passed, the answer is a claim made after it.
    const auto start = WaitClock::now();
    if (start >= deadline) {
      const Error error = CountedClaim(gen, opened);
      let_go();
      return error;
    }
    pool->waiters().Arrive();
    // seq_cst: with JetTerm's flag CAS (the Dekker pair of Arrive()). A
    // caller that JetTerm's drain did not see counted (it read the count
    // before Arrive()) sees Terminating here, or the incarnation ended: it
    // leaves before it counts anything, since the drain does not wait for
    // it and the record may already run the next incarnation, whose
    // statistics start afresh. A caller that sees another flag leaves
    // with its error as the queue would, and did not wait either.
    if (Policy::kMutation != Mutation::kStaleWaiterCounts) {
      const std::uint64_t state = state_.load(std::memory_order_seq_cst);
      Error gate = Error::kInvalidInstance;
      if (GenOf(state) == gen) {
        gate = Policy::kMutation == Mutation::kWaiterSeesOnlyTheIncarnation
                   ? Error::kSuccess
                   : BeginError(state);
      }
      if (gate != Error::kSuccess) {
        let_go();
        pool->waiters().Leave();
        return gate == Error::kInvalidInstance ? gate : Settled(state, gate);
      }
    }
    // A stop requested already (before the call, or as it found the pool
    // full): the call ends here, without a wait, and is not counted as one.
    if (stop != nullptr && stop->Requested()) {
      let_go();
      pool->waiters().Leave();
      return Error::kWaitCancelled;
    }
    // Counted while the caller is (JetTerm waits for it): the stats reader
    // takes a change of this count as a waiter it may have missed between
    // its two reads of the waits under way, and those as waiters whose
    // slots it cannot be sure of (Stats()).
    counters_.AddWhileWaiting(Counters::kInFlight, 1);
    counters_.AddWhileWaiting(Counters::kWaits, 1);
    const Error result = QueueForSlot(pool, gen, deadline, stop, opened);
    // A grow wakes as many waiters as its units (Pool::AlertForGrow()) to
    // serve the waiters through them; one that an End served instead, or
    // that left, makes the grow serve them before it returns, in case the
    // grower has stopped (the others may sleep since before the grow).
    if (Policy::kMutation != Mutation::kReturnIgnoresGrow) {
      pool->HelpGrowForWaiters(/*any_record=*/false);
    }
    if (result == Error::kOutOfSessions) {
      // The larger set first, as the reader reads the smaller first: a
      // report never shows more timeouts than OutOfSessions answers.
      if (Policy::kMutation != Mutation::kTimeoutBeforeAnswer) {
        counters_.AddOutOfSessionsWhileWaiting();
      }
      counters_.AddWhileWaiting(Counters::kWaitTimeouts, 1);
      if (Policy::kMutation == Mutation::kTimeoutBeforeAnswer) {
        counters_.AddOutOfSessionsWhileWaiting();
      }
    }
    const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(
        WaitClock::now() - start);
    counters_.AddWhileWaiting(Counters::kWaitMicros,
                              static_cast<std::uint64_t>(waited.count()));
    let_go();
    counters_.SubWhileWaiting(Counters::kInFlight, 1);
    pool->waiters().Leave();
    return result;
  }

  // ClaimIn(), counting an OutOfSessions answer (a wait's last claim).
  Error CountedClaim(std::uint64_t gen, OpenedSession* opened) noexcept {
    const Error error = ClaimIn(gen, opened);
    if (error == Error::kOutOfSessions) counters_.AddOutOfSessions(gen);
    return error;
  }

  Error QueueForSlot(Pool* pool, std::uint64_t gen,
                     typename WaitClock::time_point deadline, Stop* stop,
                     OpenedSession* opened) noexcept {
    for (int unproven = 0;;) {
      // seq_cst: the second half of the pair with Drain(), and with
      // SetFlag()'s flag CAS.
      const std::uint64_t state = state_.load(std::memory_order_seq_cst);
      if (GenOf(state) != gen) return Error::kInvalidInstance;
      const Error gate = BeginError(state);
      if (gate != Error::kSuccess) return Settled(state, gate);
      std::uint32_t ticket = 0;
      const typename Pool::Enqueued queued = pool->Enqueue(&ticket);
      switch (queued) {
        case Pool::Enqueued::kQueued: {
          pool->waiters().Queued();
          const Error result =
              AwaitTicket(pool, gen, ticket, deadline, stop, opened);
          pool->waiters().Unqueued();
          return result;
        }
        case Pool::Enqueued::kNotFull: {
          const Error error = ClaimIn(gen, opened);
          if (error != Error::kOutOfSessions) return error;
          // Full, but not proven: an End is between freeing its bit and
          // opening its slot (a few instructions). Past a short spin, give
          // the processor away, in case that End's thread is waiting for it.
          if (++unproven > 16) Policy::Yield();
          break;
        }
        case Pool::Enqueued::kNoRoom:
        case Pool::Enqueued::kNoMemory:
        case Pool::Enqueued::kListed: {
          // The cell of the next ticket in use (more waiters than cells, a
          // grant that cannot be parked, a held cell), no memory for the
          // cells, or callers in the overflow list: wait in that list.
          bool again = false;
          const Error result =
              AwaitListed(pool, gen, deadline, stop, opened, &again);
          if (!again) return result;
          break;
        }
      }
      // As in WaitForSlot(): a last claim after the deadline.
      if (WaitClock::now() >= deadline) return ClaimIn(gen, opened);
    }
  }

  // A caller with no place in the ring (see Pool::Join()) waits in the
  // overflow list, in the order it joined, until it is the list's head and
  // either a grant comes through the mailbox (Pool::MailToHead(); taken as
  // a delivered cell's, AcceptGrant()) or the next ticket's cell is ready
  // (it takes the ticket and leaves the list in one CAS, then waits on its
  // cell, AwaitTicket()). A listed caller sleeps on its node (woken when it
  // becomes the head, and by the alerts of flags and stop requests); the
  // head sleeps on the head word (woken by every grant mailed and by the
  // alerts) in slices of kListHeadSlice: a cell readied for it wakes
  // nobody, but it needs no wake-up to be served (while callers are listed
  // every free goes to a ticket or to the mailbox, whose push wakes it), so
  // the slice only bounds how late it moves into a ring with room. Each wake
  // word is read before what it guards, so no wake-up is lost. *again:
  // the caller found room or no verified flag before it joined: queue
  // again. Else it leaves the list when its deadline passes, a flag is set
  // or its caller asks it to stop (LeaveList()).
  static constexpr std::chrono::milliseconds kListHeadSlice{50};
  Error AwaitListed(Pool* pool, std::uint64_t gen,
                    typename WaitClock::time_point deadline, Stop* stop,
                    OpenedSession* opened, bool* again) noexcept {
    typename Pool::OverflowList::Node node;
    if (stop != nullptr) {
      // Its stop request wakes it where it sleeps: on the request's own
      // word (its node's, while it is not the head) or on the head word.
      node.wake = &stop->WakeWord();
      stop->PublishListed();
    }
    pool->overflow().Lock();
    const typename Pool::Joined joined = pool->Join(&node);
    pool->overflow().Unlock();
    if (joined == Pool::Joined::kCrowded) {
      // Past Pool::kOwedMax callers owed a grant: this one waits a slice
      // outside the list (a grant mailed or an alert ends it), then queues
      // again (QueueForSlot() reads the state and the deadline first); it
      // keeps no place in the order meanwhile. The head word is read
      // before the stop request: a request after this read bumps it.
      // acquire: as the head's load below.
      const std::uint32_t seen =
          pool->overflow().HeadWord().load(std::memory_order_acquire);
      if (stop != nullptr && stop->Requested()) {
        return Error::kWaitCancelled;
      }
      pool->waiters().Queued();  // a caller that waits (cWaiters)
      Policy::WaitWhile(pool->overflow().HeadWord(), seen,
                        std::min(deadline, WaitClock::now() + kListHeadSlice));
      pool->waiters().Unqueued();
    }
    if (joined != Pool::Joined::kListed) {
      *again = true;
      return Error::kSuccess;
    }
    pool->waiters().Queued();
    Error result = Error::kSuccess;
    for (;;) {
      // acquire, both: pair with the release bumps of the list (a change
      // after these loads ends the sleep below).
      const std::uint32_t seen_node =
          node.wake->load(std::memory_order_acquire);
      const std::uint32_t seen_head =
          pool->overflow().HeadWord().load(std::memory_order_acquire);
      // seq_cst: with SetFlag()'s flag CAS; AlertWaiters() comes after it
      // and takes the list's lock, so a flag it has not woken this node for
      // is seen here.
      const std::uint64_t state = state_.load(std::memory_order_seq_cst);
      const Error gate = GateOf(state, gen);
      const bool stopped = stop != nullptr && stop->Requested();
      const bool leave =
          gate != Error::kSuccess || stopped || WaitClock::now() >= deadline;
      if (leave) {
        result = LeaveList(pool, gen, &node, state, gate, stopped, opened);
        break;
      }
      pool->overflow().Lock();
      bool head = pool->overflow().IsHead(&node);
      if (head) {
        std::uint32_t slot = 0;
        bool gated = false;
        if (pool->TakeMail(&node, &slot, &gated) == Pool::Mail::kTaken) {
          Unlist(pool, &node);
          pool->overflow().Unlock();
          result = AcceptGrant(pool, gen, slot, gated, opened);
          break;
        }
        std::uint32_t ticket = 0;
        if (pool->EnqueueHead(&node, &ticket) == Pool::Enqueued::kQueued) {
          pool->overflow().Unlock();
          result = AwaitTicket(pool, gen, ticket, deadline, stop, opened);
          break;
        }
      }
      pool->overflow().Unlock();
      // As in AwaitTicket(): a grow's room, decided for the list's head
      // through the mailbox, or for a ticket it then takes.
      if (head && pool->HelpGrowForWaiters()) continue;
      if (head) {
        Policy::WaitWhile(
            pool->overflow().HeadWord(), seen_head,
            std::min(deadline, WaitClock::now() + kListHeadSlice));
      } else {
        Policy::WaitWhile(*node.wake, seen_node, deadline);
      }
    }
    pool->waiters().Unqueued();
    return result;
  }

  // Under the list's lock: removes `node`; the last caller to leave closes
  // the list, a caller that leaves others settles the mailbox's mark
  // (Pool::SettleMailed(): it may have taken the last grant).
  void Unlist(Pool* pool, typename Pool::OverflowList::Node* node) noexcept
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->overflow()) {
    pool->overflow().Remove(node);
    if (pool->overflow().Empty()) {
      pool->CloseList();
    } else {
      pool->SettleMailed();
    }
  }

  // A listed caller leaves the list: its deadline passed, a flag was set
  // (`state`, `gate`) or its caller asked it to stop. As in Leave(), a flag's
  // error is answered only after the flag's gate is set (Settled()) and the
  // Ends ordered before Unavailable or Term are waited for. The caller then
  // takes the grant owed to it, if the mailbox holds (or is about to hold)
  // more grants than there are callers ahead of it: that grant was decided
  // while it waited, so it is its own, gated or not (Pool::TakeMail()). A
  // caller with none owed leaves the callers owed a grant in one CAS
  // (Pool::LeaveUnowed()) and answers: the flag's error, kWaitCancelled, or
  // OutOfSessions (exact: at that CAS it is owed, so kListed is set, the
  // flag is verified, every free goes to a ticket or to the mailbox, and
  // every grant decided belongs to a caller ahead: no slot is free for this
  // one).
  Error LeaveList(Pool* pool, std::uint64_t gen,
                  typename Pool::OverflowList::Node* node, std::uint64_t state,
                  Error gate, bool stopped, OpenedSession* opened) noexcept {
    bool settled = false;
    std::uint32_t slot = 0;
    bool gated = false;
    for (;;) {
      if (!settled && gate != Error::kSuccess &&
          gate != Error::kInvalidInstance) {
        Settled(state, gate);
        AwaitEndsBefore(pool, state);
        settled = true;
      }
      // As in Leave(): a grow's units go to the waiters first, and may be
      // mailed to this caller: it decides them (without the list's lock,
      // which a decision does not take) before it looks. It leaves owed
      // no more in one CAS that finds no grant decided for it (a free may
      // decide one after TakeMail()'s reads) and no unit for the waiters:
      // its linearization point. A grant decided for it and not yet pushed
      // is waited for on the head word, also without the lock (the free
      // pushes, then bumps the word), which is read before the mailbox.
      if constexpr (Policy::kMutation != Mutation::kLeaveIgnoresGrow) {
        pool->HelpUnits();
      }
      pool->overflow().Lock();
      if (Policy::kMutation == Mutation::kLeaverIgnoresMail &&
          !pool->overflow().IsHead(node)) {
        pool->LeaveUnowed(node, true);  // the mutant leaves whatever it is owed
        break;
      }
      // acquire: pairs with the release bump after a push.
      const std::uint32_t seen =
          pool->overflow().HeadWord().load(std::memory_order_acquire);
      const typename Pool::Mail mail = pool->TakeMail(node, &slot, &gated);
      if (mail == Pool::Mail::kTaken) {
        Unlist(pool, node);
        pool->overflow().Unlock();
        return AcceptGrant(pool, gen, slot, gated, opened);
      }
      if (mail == Pool::Mail::kOnItsWay &&
          Policy::kMutation == Mutation::kLeaverWaitsLocked) {
        // The mutant spins for the push, the lock held but between rounds.
        Policy::Yield();
        pool->overflow().Unlock();
        continue;
      }
      if (mail == Pool::Mail::kOnItsWay) {
        pool->overflow().Unlock();
        Policy::WaitWhile(pool->overflow().HeadWord(), seen,
                          WaitClock::now() + kListHeadSlice);
        continue;
      }
      if (pool->LeaveUnowed(node, gate != Error::kSuccess)) break;
      pool->overflow().Unlock();
      if (gate == Error::kSuccess && pool->Gated()) {
        // A gate came since the state read: the flag it follows is
        // answered (a grow's units stay in the pool after it, so an
        // OutOfSessions answer would not be exact).
        // seq_cst: as the caller's read.
        state = state_.load(std::memory_order_seq_cst);
        gate = GateOf(state, gen);
      }
    }
    Unlist(pool, node);
    pool->overflow().Unlock();
    if (gate == Error::kInvalidInstance) return gate;
    if (gate != Error::kSuccess) return Settled(state, gate);
    return stopped ? Error::kWaitCancelled : Error::kOutOfSessions;
  }

  // Blocks on the cell of `ticket` until a slot is delivered to it, the
  // deadline passes or a flag is set; then cancels the ticket, unless a
  // slot came first (Accept()).
  Error AwaitTicket(Pool* pool, std::uint64_t gen, std::uint32_t ticket,
                    typename WaitClock::time_point deadline, Stop* stop,
                    OpenedSession* opened) noexcept {
    auto& cells = pool->waiters();
    // Its stop request wakes it on the cell of its ticket; published
    // before it first looks at the request.
    if (stop != nullptr) stop->PublishTicket(ticket);
    for (;;) {
      const std::uint32_t cell = cells.Peek(ticket);
      if (Pool::WaitQueue::IsServed(ticket, cell)) {
        // Committed to this waiter: it takes the slot once its End has
        // opened it (a few instructions after the commit), from the cell
        // or from where a later caller moved it aside.
        return Accept(pool, gen,
                      cells.Take(ticket, cell, GrantHelp(pool, ticket)),
                      opened);
      }
      // seq_cst: with SetFlag()'s flag CAS; an alert (a release CAS on the
      // cell, read by Peek()) comes after the flag, so a waiter woken by
      // it sees the flag here.
      const std::uint64_t state = state_.load(std::memory_order_seq_cst);
      const Error gate = GateOf(state, gen);
      // After the ticket's publication: either this load sees the request,
      // or the request's alert of the ticket's cell comes after this Peek()
      // (see StopRequest).
      const bool stopped = stop != nullptr && stop->Requested();
      if (gate != Error::kSuccess || stopped || WaitClock::now() >= deadline) {
        return Leave(pool, gen, ticket, stopped, opened);
      }
      if (Pool::WaitQueue::StateOf(cell) == Pool::WaitQueue::kAlerted) {
        // A wake-up for someone else (a stop request that read an earlier
        // caller's ticket of this cell, whose lap came round again): re-arm
        // the cell, so that the next alert changes it again.
        cells.Rearm(ticket, cell);
        continue;
      }
      // A grow that woke it (or that it finds before it sleeps) serves the
      // waiters through it too (Pool::AlertForGrow()).
      if (pool->HelpGrowForWaiters()) continue;
      cells.Wait(ticket, cell, deadline);
    }
  }

  // The waiter of live `ticket` leaves the queue: its deadline passed, a
  // Stop, Unavailable or Term closed the instance, or its caller asked it
  // to stop (`stopped`). While a ticket is queued every free goes to a
  // ticket, so the pool is full (tickets are taken only under a verified
  // flag). But two frees can find one ticket between them: the one that
  // took it may still be on its way to the cell when the other, finding no
  // ticket left, frees its slot, or serves the next ticket. And a grow
  // hands its slots to the tickets one by one: while it runs, a ticket
  // still queued may be the next it serves. So the waiter makes the reads
  // below with no grow under way: it waits for one that runs, and reads
  // again if one began before its last read.
  //
  // The waiter first reads the state and, when it shows a flag, sets
  // the flag's gate (Settled()): from then on every ticket a free takes is
  // granted gated. Then it reads the queue's head. If a free (or a grow)
  // has taken its ticket, that free is on its way to the cell, its commit
  // cannot fail while the waiter stays, and the waiter waits for it (a few
  // of the free's steps) and takes the grant, gated or not as its head CAS
  // found the gate: answering OutOfSessions there would be inexact (the
  // other free's slot is free), and answering the flag's error would order
  // the waiter after a later ticket the other free may have served before
  // the gate. Otherwise the ticket was still queued at both reads, so the
  // pool was full and no later ticket served at the state read, and every
  // later ticket is granted gated if the state showed a flag. The waiter
  // cancels (a commit to its ticket that came first wins: it takes that
  // grant) and answers the flag's error, else kWaitCancelled when stopped,
  // else OutOfSessions (exact: ordered at the state read, after the
  // deadline). The waiter never claims: a slot it claimed beside a grant on
  // its way would be held by nobody until it gave one back, and a Begin in
  // between would answer OutOfSessions below the capacity.
  Error Leave(Pool* pool, std::uint64_t gen, std::uint32_t ticket, bool stopped,
              OpenedSession* opened) noexcept {
    if constexpr (Policy::kMutation == Mutation::kTimeoutClaims) {
      if (!stopped) return ClaimThenCancel(pool, gen, ticket, opened);
    }
    constexpr bool kStateAfter =
        Policy::kMutation == Mutation::kStateAfterCancel;
    constexpr bool kGateFirst = Policy::kMutation != Mutation::kLeaveBeforeGate;
    constexpr bool kSeeGrows = Policy::kMutation != Mutation::kLeaveIgnoresGrow;
    std::uint64_t state = 0;
    Error gate = Error::kSuccess;
    for (;;) {
      // seq_cst: with SetFlag()'s flag CAS (a Stop that returned before
      // the flag read below is seen here).
      state = kStateAfter ? 0 : state_.load(std::memory_order_seq_cst);
      gate = kStateAfter ? Error::kSuccess : GateOf(state, gen);
      if (kGateFirst && gate != Error::kSuccess &&
          gate != Error::kInvalidInstance) {
        // The flag's error orders this waiter after the flag's gate: set
        // it (help the closure) before the flag read, so that a free that
        // takes a ticket after that read grants it gated.
        Settled(state, gate);
        // Unavailable and Term do not gate an End's grant: the End is
        // ordered before them. Let every such End in flight take its
        // ticket first.
        AwaitEndsBefore(pool, state);
      }
      // The queue and a grow's units at one instant: a grow's units go to
      // the tickets first (Resize()), so a ticket still queued beside them
      // does not mean a full pool. The waiter decides them (HelpUnits())
      // and looks again.
      const PairValue p = pool->PairNow();
      if (Policy::kMutation != Mutation::kLeaveIgnoresTaker &&
          Pool::IsTicketTakenIn(p.first, ticket)) {
        return AwaitTaker(pool, gen, ticket, opened);
      }
      if (kSeeGrows && gate == Error::kSuccess &&
          Pool::IsGated(p.first, FreedBy::kOther)) {
        continue;  // a gate since the state read: its flag is answered
      }
      if (!kSeeGrows || !Pool::UnitsForWaiters(p)) break;
      pool->HelpUnits();
    }
    if constexpr (!kGateFirst) {
      // seq_cst: as above (the mutant reads the state after the flag).
      state = state_.load(std::memory_order_seq_cst);
      gate = GateOf(state, gen);
    }
    std::uint32_t published = 0;
    if (!pool->waiters().Cancel(ticket, &published, GrantHelp(pool, ticket))) {
      return Accept(pool, gen, published, opened);
    }
    pool->PassOverLeftTickets();
    if constexpr (kStateAfter) {
      // seq_cst: as above (the mutant reads the state after its cancel).
      state = state_.load(std::memory_order_seq_cst);
      gate = GateOf(state, gen);
    }
    if (gate == Error::kInvalidInstance) return gate;
    if (gate != Error::kSuccess) return Settled(state, gate);
    return stopped ? Error::kWaitCancelled : Error::kOutOfSessions;
  }

  // With Unavailable or Term in `state` (read by a waiter that answers
  // the flag's error or gives a grant back): waits until every End that
  // holds its session has let go (SlotPool::AwaitEndHolds()). An End that
  // frees its slot after such a flag was ordered before it (it re-read the
  // state after its hold, and a later End refuses), and its grant is not
  // gated by it. Its head CAS then comes before the waiter's ticket read
  // and before the head CAS of the waiter's give-back, so its slot goes to
  // the oldest waiter, who keeps it, and never to a younger one while an
  // older waiter answers the flag.
  void AwaitEndsBefore(Pool* pool, std::uint64_t state) noexcept {
    if (Policy::kMutation == Mutation::kEndsGatedByEndFlags) return;
    if ((state & kEndFlags) != 0) pool->AwaitEndHolds();
  }

  // What a Begin in incarnation `gen` answers for `state` before it looks
  // at the pool: InvalidInstance when the incarnation is gone, else the
  // flag's error, else Success.
  static Error GateOf(std::uint64_t state, std::uint64_t gen) noexcept {
    return GenOf(state) != gen ? Error::kInvalidInstance : BeginError(state);
  }

  // For a waiter whose ticket a free took (its head CAS) before committing a
  // slot to its cell: blocks until the slot is committed and published,
  // then takes it. The commit cannot fail: only the waiter cancels.
  Error AwaitTaker(Pool* pool, std::uint64_t gen, std::uint32_t ticket,
                   OpenedSession* opened) noexcept {
    auto& cells = pool->waiters();
    for (;;) {
      const std::uint32_t cell = cells.Peek(ticket);
      if (Pool::WaitQueue::IsServed(ticket, cell)) {
        return Accept(pool, gen,
                      cells.Take(ticket, cell, GrantHelp(pool, ticket)),
                      opened);
      }
      // A grow's grant decided for it (its record holds the ticket until
      // the grant is published): finished here, whoever stopped in it.
      if (pool->HelpGrantTo(ticket)) continue;
      // Woken by the publication (an alert for a Stop also changes the
      // cell; the loop then waits on its new value).
      cells.Wait(ticket, cell, WaitClock::time_point::max());
    }
  }

  // The help that a waiter of `ticket` gives a grow's grant committed to
  // it and not yet published (WaitQueue::Take()).
  static auto GrantHelp(Pool* pool, std::uint32_t ticket) noexcept {
    return [pool, ticket]() noexcept { return pool->HelpGrantTo(ticket); };
  }

  // The mutant kTimeoutClaims: a last claim while the ticket is live, then
  // the cancel; a grant that came before the cancel is taken and the
  // claimed slot given back.
  Error ClaimThenCancel(Pool* pool, std::uint64_t gen, std::uint32_t ticket,
                        OpenedSession* opened) noexcept {
    OpenedSession claimed;
    const Error answer = ClaimIn(gen, &claimed);
    std::uint32_t published = 0;
    if (!pool->waiters().Cancel(ticket, &published)) {
      if (answer == Error::kSuccess) {
        EndPhantom(pool, claimed.slot, pool->LoadControl(claimed.slot));
      }
      return Accept(pool, gen, published, opened);
    }
    pool->PassOverLeftTickets();
    if (answer == Error::kSuccess) *opened = claimed;
    return answer;
  }

  // Ends again a session a waiter holds but does not answer (a grant after
  // a flag; in the mutant kTimeoutClaims, its claim beside a grant): a
  // generation step that is no End.
  // Counted before the Free() makes the step (a stats reader that sees the
  // step sees the count).
  void EndPhantom(Pool* pool, std::uint32_t slot,
                  std::uint64_t control) noexcept {
    if constexpr (Policy::kMutation != Mutation::kStatsNoPhantoms) {
      counters_.AddWhileWaiting(Counters::kPhantoms, 1);
    }
    pool->Free(slot, control, FreedBy::kOther);
  }

  // Takes the session a free opened for this waiter (`published`, its cell
  // as published: the slot, and whether the grant is gated), unless the
  // grant is ordered after a Stop, Unavailable or Term: then the session is
  // ended again (and goes to the next waiter) and the state's error
  // answered. A grant whose head CAS came before the flag's gate
  // (SlotPool::MarkClosedForBegin()) is the waiter's, whatever the state is
  // by now: the End that made it may have returned, and a Begin answered
  // OutOfSessions, before the Stop was even called.
  Error Accept(Pool* pool, std::uint64_t gen, std::uint32_t published,
               OpenedSession* opened) noexcept {
    return AcceptGrant(pool, gen, Pool::WaitQueue::SlotOf(published),
                       Pool::WaitQueue::IsGated(published), opened);
  }
  // Accept() of the grant of `slot`, gated or not (a cell's, or one taken
  // from the overflow list's mailbox).
  Error AcceptGrant(Pool* pool, std::uint64_t gen, std::uint32_t slot,
                    bool gated_grant, OpenedSession* opened) noexcept {
    const bool gated =
        Policy::kMutation == Mutation::kAcceptStateAtAccept || gated_grant;
    const std::uint64_t control = pool->LoadControl(slot);
    // seq_cst: as AwaitTicket().
    const std::uint64_t state = state_.load(std::memory_order_seq_cst);
    Error gate = Error::kSuccess;
    if (GenOf(state) != gen) {
      gate = Error::kInvalidInstance;
    } else if (gated) {
      gate = BeginError(state);
    }
    if (gate != Error::kSuccess &&
        Policy::kMutation != Mutation::kAcceptIgnoresState) {
      // The session goes to the next ticket, gated: after the tickets that
      // the Ends ordered before Unavailable or Term take (AwaitEndsBefore()).
      if (gate != Error::kInvalidInstance) AwaitEndsBefore(pool, state);
      EndPhantom(pool, slot, control);
      return gate == Error::kInvalidInstance ? gate : Settled(state, gate);
    }
    opened->slot = slot;
    opened->gen = static_cast<std::uint32_t>(control >> Pool::kGenShift) &
                  Pool::kHandleGenMask;
    // The session began on this thread, now (not on the End's).
    if ((state & kTracking) != 0) Stamp(pool, *opened);
    return Error::kSuccess;
  }

  // Stores the tracking stamp of the session just opened by this thread.
  static void Stamp(Pool* pool, const OpenedSession& opened) noexcept {
    pool->StoreStamp(opened.slot, SessionStamp::Make(CoarseMillis(),
                                                     OsThreadId(), opened.gen));
  }

  // The current pool, or nullptr when `slot` is outside it (garbage handle)
  // or no pool was ever allocated.
  Pool* PoolFor(std::uint32_t slot) const noexcept {
    // acquire: pairs with Init()'s release store; the pool's memory is
    // type-stable, so a stale handle reads live words.
    Pool* const pool = pool_.load(std::memory_order_acquire);
    if (pool == nullptr || slot >= pool->allocated()) return nullptr;
    return pool;
  }

  // The word flags and state marks that the flags of `state` call for.
  static void ClosureFor(std::uint64_t state, std::uint64_t* closed,
                         std::uint64_t* marks) noexcept {
    if ((state & kStopped) != 0) {
      *closed |= Pool::kClosedForBegin;
      *marks |= kStopClosed;
    }
    if ((state & kUnavailable) != 0) {
      *closed |= Pool::kClosedForBegin;
      *marks |= kUnavailableClosed;
    }
    if ((state & kTerminating) != 0) {
      *closed |= Pool::kClosedForBegin;
      *marks |= kTermClosed;
    }
  }

  // Returns `error` once the closure that `state`'s flags call for is
  // complete, helping it if it is not (so that a caller reporting a state
  // error is linearized after the whole closure). Lock-free: helping is at
  // most one CAS per word that still misses a flag.
  Error Settled(std::uint64_t state, Error error) noexcept {
    std::uint64_t closed = 0;
    std::uint64_t marks = 0;
    ClosureFor(state, &closed, &marks);
    if ((state & marks) == marks || LifecycleOf(state) != kRunning) {
      return error;
    }
    const std::uint64_t gen = GenOf(state);
    auto still_current = [this, gen] { return GenOf(LoadState()) == gen; };
    // acquire: pairs with Init()'s release store.
    Pool* const pool = pool_.load(std::memory_order_acquire);
    if (!pool->CloseAll(closed, still_current)) {
      return error;  // the incarnation ended: its closure is moot
    }
    pool->MarkClosedForBegin(
        gen, Pool::GatesFor((state & kStopped) != 0, (state & kEndFlags) != 0));
    // acq_rel: release pairs with LoadState() (the mark is seen only after
    // the closure); loop while the incarnation is the same.
    while (GenOf(state) == gen && (state & marks) != marks &&
           !state_.compare_exchange_weak(state, state | marks,
                                         std::memory_order_acq_rel,
                                         std::memory_order_acquire)) {
    }
    return error;
  }

  // Claims a slot in incarnation `gen` and maps the pool's answer.
  Error ClaimIn(std::uint64_t gen, OpenedSession* opened) noexcept {
    // acquire: pairs with Init()'s release store of the pool.
    Pool* const pool = pool_.load(std::memory_order_acquire);
    auto still_current = [this, gen] { return GenOf(LoadState()) == gen; };
    const ClaimResult claim = pool->Claim(still_current);
    if (claim.status == ClaimStatus::kClaimed) {
      opened->slot = claim.slot;
      opened->gen = claim.gen;
      if ((LoadState() & kTracking) != 0) Stamp(pool, *opened);
      return Error::kSuccess;
    }
    // seq_cst: pairs with the seq_cst flag CAS in SetFlag(): a kFull that
    // came from the pool's verified flag (no word re-read) must still see a
    // Stop/Unavailable/Term that returned before it.
    const std::uint64_t state = state_.load(std::memory_order_seq_cst);
    if (GenOf(state) != gen) return Error::kInvalidInstance;
    // kClosed: a flag is set (closure follows the flag). kFull: full, unless
    // a flag says otherwise first (ESE's order: state before capacity).
    const Error error = BeginError(state);
    if (claim.status == ClaimStatus::kFull && error == Error::kSuccess) {
      return Error::kOutOfSessions;
    }
    return Settled(state, error);
  }

  // Owner-side state change from `expected` to `next`, competing only with
  // the closure-mark CAS of helpers (which stop once the generation moves).
  void Publish(std::uint64_t expected, std::uint64_t next) noexcept {
    const std::uint64_t keep = kClosureMarks;
    // acq_rel: release pairs with LoadState() of every session call; a
    // helper may have added a closure mark meanwhile: keep it when the
    // generation stays.
    while (!state_.compare_exchange_weak(
        expected, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
      if (GenOf(expected) == GenOf(next)) next |= expected & keep;
    }
  }

  // The mutant of the Term-progress defect: session calls take the session
  // before they look at the state (see End() and EnterCall()).
  static constexpr bool kHoldBeforeStateCheck =
      Policy::kMutation == Mutation::kHoldBeforeStateCheck;

  // The slow paths' counts and the reported marks (JetExtGetSessionStats):
  // cache lines of their own, first, so that the fields below end the
  // object and leave its tail padding to a holder's fields (the registry's
  // record: see InstanceRegistry::Record).
  Counters counters_;

  Atomic<std::uint64_t> state_{0};
  Atomic<Pool*> pool_{nullptr};
  // C++ waits with a stop request in flight, and resizes (EnterWaitScope()).
  Atomic<std::uint32_t> wait_scopes_{0};
  // JetExtSetMaxSessions's lock (LockResize()): 0 free, 1 held, 2 held
  // with a thread that may sleep on it.
  Atomic<std::uint32_t> resize_lock_{0};

  // Owner-side only (under the registry lock).
  std::unique_ptr<Pool> owned_pool_;
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_INSTANCE_CORE_H_
