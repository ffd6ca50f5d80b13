// atomics.h: the atomics policy the core is written over.
//
// Every atomic variable in SlotPool and InstanceCore is a
// `Policy::template Atomic<T>`, and every wait or thread identity comes from
// the policy, so that a model checker (Relacy) can run the production code
// by supplying its own policy. StdAtomics is the policy of the real library.
//
// Thread safety: all members may be called from any thread.
// Progress: ThreadId() and Hint() are wait-free (one relaxed RMW per thread,
// once); Yield() does not block.
// Invariant: ThreadId() values are distinct for all threads ever started.
// Memory ordering: none is promised; the thread-id counter is relaxed.
// Lifetime: the thread-local values live as long as their thread.
#ifndef JETSESSION_SRC_ATOMICS_H_
#define JETSESSION_SRC_ATOMICS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "atomic_pair.h"
#include "futex.h"

namespace jetsession::internal {

// Deliberate faults, for the verification tests only (they must be caught
// by the linearizability checker or by Relacy): a policy names one in
// kMutation. The
// library's policy, StdAtomics, has none, and the code under
// `if constexpr` for the others is not compiled into it.
enum class Mutation {
  kNone,
  kSpuriousFull,  // a claim that loses a CAS race answers "full"
  kClaimByStore,  // a claim by load + store instead of CAS (lost updates)
  kIgnoreClosed,  // the claim CAS does not check the closed bit: the state
                  // is checked only before the claim, not by it
  kRelaxedClaim,  // the claim's load and CAS relaxed where acquire is needed
  kNoEndRecheck,  // End does not re-read the state after it holds the session
  // The four defects where one incarnation meets the next, each revertible:
  kStaleProof,  // the full proof is promoted without re-validating the
                // incarnation, and Reset() moves the flag by a plain store
  kDefaultInstanceRace,   // the default instance is published before
                          // JetInit, and a dead default is reported as
                          // InvalidInstance
  kDefaultClearedFirst,   // JetTerm of the default instance clears the
                          // default handle before it releases the record:
                          // in between, handle 0 names no instance while
                          // the own handle still finds it terminating
  kCountAnyIncarnation,   // the session count does not check that the record
                          // still holds the validated incarnation
  kHoldBeforeStateCheck,  // End and the context and parameter calls take the
                          // session before they look for Terminating
  kStateBeforeBusy,       // a call that finds its session busy answers a state
                     // error before the sharing violation (two Ends racing a
                     // flag: one succeeds, the other says the session was
                     // open after the flag)
  kContextArgFirst,  // JetSetSessionContext's 0 or ~0 answers
                     // InvalidParameter on a terminating instance
  kBadContextNoEnd,  // ... and TermInProgress beside an End held across
                     // Term's flag, which may still end the session
  kEndsNeverSettle,  // a call that finds its session held by an End after
                     // the flag's setter returned answers the sharing
                     // violation, not the flag's error
  // The End of a session across its two steps (Free()):
  kEndStaleBeforeFree,   // the handle goes stale before the bit is freed: a
                         // call can see the End done while the pool still
                         // looks full
  kClaimPendingSlot,     // a claim takes a freed bit whose End has not yet
                         // made the handle stale: the End's store closes the
                         // new session
  kPromotePendingProof,  // a full proof that counted a pending slot is kept
                         // as verified: it outlives the End's store
  kOpenFromStaleRead,    // a claim opens the slot from the control word it
                         // read before its CAS: after a wrap of the word's
                         // version it revives an ended generation
  kNoRecheckAfterClaim,  // a claim does not re-check the incarnation after
                         // its CAS: a Begin stalled across JetTerm, a
                         // re-create and a wrap of the word's version keeps
                         // a slot of the next incarnation
  // Waiting for a session (JetExtBeginSessionWait):
  kFreeSkipsQueue,       // a free that finds tickets clears the flag and frees
                         // its slot instead of handing it to the oldest waiter
  kLeaveIgnoresTaker,    // a waiter that leaves (deadline, flag, stop) cancels
                         // its ticket without reading whether a free took
                         // it: beside a slot freed by another End that
                         // found no ticket left, it answers OutOfSessions
  kStateAfterCancel,     // a waiter that leaves reads the state after
                         // its cancel: an End in between serves a
                         // later waiter, and a Stop's error read
                         // then orders this one after it
  kLeaveBeforeGate,      // a waiter that leaves on a flag reads its ticket's
                         // place before it sets the flag's gate: a free
                         // that took its ticket before the gate may have
                         // let another free serve a later waiter ungated,
                         // and this one answers the flag's error
  kTimeoutClaims,        // a waiter whose deadline passed makes a last claim
                         // with its ticket live, then cancels, giving the
                         // claimed slot back if a grant came first: the
                         // claim takes a slot freed beside a grant on its
                         // way (an End's, or a grow's), and a Begin answers
                         // full below the capacity until the give-back
  kAcceptIgnoresState,   // a waiter takes a slot delivered after a Stop,
                         // Unavailable or Term without looking at the state
  kAcceptStateAtAccept,  // a waiter ends again a slot granted before a Stop,
                         // Unavailable or Term that it sees only at its
                         // Accept (the grant's End may have returned before
                         // the Stop was called)
  kNoWaiterAlert,        // Stop, Unavailable and Term do not wake the waiters
  // Past the ring's limit (the overflow list, SlotPool::MailToHead()):
  kEndIgnoresList,       // a free that finds no ticket frees its slot even
                         // while callers are listed: a newcomer's claim
                         // jumps the list
  kNewcomerIgnoresList,  // a newcomer takes a ticket while callers are
                         // listed, ahead of them
  kHeadTakesTopMail,     // the list's head takes the grant on top of the
                         // mailbox (the last pushed): a grant decided after
                         // a Stop's gate is taken, and the one decided
                         // before it, the head's, given back
  kLeaverIgnoresMail,    // a listed caller behind the head that leaves
                         // (deadline, flag, stop) answers without taking
                         // the grant owed to it: the grant goes to a later
                         // caller, or back to the pool
  kLeaverWaitsLocked,    // a listed caller whose grant is decided but not
                         // yet pushed waits for the push in a loop, a yield
                         // a round, holding the list's lock but between
                         // rounds: it spins
  kTermIgnoresWakers,    // JetTerm returns without waiting for the C++
                         // waits whose stop callback may run
                         // (InstanceCore::EnterWaitScope())
  kStopPlaceRelaxed,     // a C++ wait's stop request: the waiter publishes
                         // where it sleeps, and the requester reads it,
                         // with relaxed orders: both can miss the other's
                         // store, and the waiter sleeps on past the request
  kWaitNamesTwice,       // a C++ wait with a stop request on handle 0 names
                         // the default instance for its scope, then again
                         // for its wait: it can wait on a default instance
                         // created in between, whose JetTerm does not wait
                         // for its scope
  kMailPastCallers,      // a free mails its slot to the list whatever the
                         // grants already decided: one listed caller, two
                         // grants, and a Begin answers OutOfSessions below
                         // the capacity
  kStaleWaiterCounts,    // a caller that counts itself among the waiters
                         // after JetTerm's drain read the count does not
                         // look at the state first: it counts its wait in
                         // the next incarnation's statistics
  kWaiterSeesOnlyTheIncarnation,  // that caller leaves only if the
                                  // incarnation changed: one that sees
                                  // Terminating on it counts its wait,
                                  // and JetTerm2 and the next JetInit can
                                  // come first (the count lands in the
                                  // next incarnation)
  kCancelledCellKept,    // a free that passes over a cancelled ticket does not
                         // ready its cell for the next lap of the ring
  kOpenBeforeDeliver,    // a hand-off opens the slot for the waiter (the End's
                         // handle stale) before the delivery commits it: a
                         // waiter that times out in between leaves the slot
                         // neither free nor anyone's while the handle reads
                         // ended
  kGateAfterCommit,      // a hand-off reads the gate after its commit, not in
                         // the value its head CAS replaced: of two frees that
                         // serve two waiters across a Stop, the one that
                         // took the earlier ticket may read it gated while
                         // the later ticket's grant did not
  kEndsGatedByEndFlags,  // a hand-off by an End is gated by Unavailable or
                         // Term like any other free, and a waiter that
                         // leaves on one does not wait for the Ends ordered
                         // before it: such an End returns Success and its
                         // slot goes to no waiter (the waiter answers the
                         // flag's error)
  kPassOverLiveTicket,   // a waiter that leaves passes over the ticket at
                         // the head of the queue without looking whether its
                         // waiter left too: a live waiter loses its place
  kParkOverParked,       // a caller moves a served waiter's grant aside into
                         // a parked word that still holds the grant of the
                         // lap before: that grant is lost (a slot leaks and
                         // its waiter takes the other's)
  kReadyOverParked,      // a cell is readied for the lap after next while the
                         // grant of its lap before is still parked: that
                         // grant's waiter reads its lap again and waits on
                         // (or cancels) a cell that is no longer its own
  // Capacity at run time (JetExtSetMaxSessions):
  kShrinkForgetsDebt,   // a shrink pays with the free slots and forgets the
                        // rest: the sessions open beyond the new capacity
                        // owe nothing, and their Ends free room for Begins
  kClaimIgnoresDebt,    // a claim in a word hinted for a debt claims without
                        // reading the debt word: a slot freed by an End that
                        // missed the debt goes to a Begin beyond the capacity
  kShrinkHoldsClaims,   // a claim that finds a word hinted for a shrink that
                        // has not taken effect waits for the resizer, which
                        // may have stopped, instead of helping it
  kHelpSkipsHints,      // a claim that helps a shrink take effect adds its
                        // debt without hinting every word first: a claim in
                        // a word still unhinted takes a slot the debt owes
  kCapacityAsStored,    // the capacity reported (stats) is the one the
                        // resizer stored: after a helper made a shrink take
                        // effect, the old one, beside OutOfSessions answers
                        // that count the new one
  kLeaveIgnoresGrow,    // a waiter that leaves the queue (its deadline
                        // passed) does not wait for a grow that is handing
                        // out its slots: it answers OutOfSessions with room
                        // that the grow will hand to the next ticket
  kUnreserveKeepsBit,   // a grow unit's taker opens a reserved slot whose
                        // bit is free without setting it: its session is
                        // counted nowhere, and a claim takes its slot
  kGrantSkipsBit,       // a grant marks a reserved slot whose bit a payer
                        // left free as it is: a finisher publishes the
                        // session while the opener has yet to set the bit,
                        // and the session's End frees a bit that is not set
  kGrowWakesNobody,     // a grow wakes no waiter before it takes effect: a
                        // waiter with no deadline sleeps beside the room of
                        // a grower stopped after its linearization point
  kReturnIgnoresGrow,   // a waiter returns (served by an End, or left)
                        // without making a grow serve the waiters: a
                        // waiter the grow woke and an End served leaves the
                        // one the grow did not wake asleep beside its room
  kOnlyPublisherWakes,  // a grant's finisher that finds the grant
                        // published by another ends its record without
                        // waking the waiter: a publisher stopped between
                        // its CAS and its wake leaves the waiter asleep
                        // beside its session
  kEndSkipsGrant,       // an End hands its slot to the next ticket while a
                        // grow's grant to an older ticket is not delivered
  kTakePastWaiters,     // a claim takes a grow unit while callers wait
                        // for one (tickets, the overflow list): a Begin
                        // gets ahead of an older waiter
  kHelpKeepsFlagEpoch,  // a shrink's linearization point leaves the flag's
                        // epoch as it is: a helper stalled before its CAS
                        // across 16 shrinks and grows finds the pair as it
                        // read it and adds a debt nobody asked for
  kGrowLeavesFullFlag,  // a grow frees the reserved slots without looking at
                        // the flag: a verified "full" outlives it (Begins
                        // answer OutOfSessions with room free) and the
                        // waiters are not served
  kMarkOnlyHeld,        // a paid slot is marked reserved only while an End
                        // holds it: a waiter's free of a session it does not
                        // answer (InstanceCore::EndPhantom(), no hold) pays
                        // and leaves its slot open, out of every count
  kSlotIgnoresPayer,    // JetExtGetSessionSlot takes a session held by an End
                        // for open without looking for the End's payment: a
                        // paying End has ended it at its unit, before the
                        // mark that makes the handle stale
  kEnterIgnoresPayer,   // a call on a session held by a paying End answers
                        // SessionSharingViolation without looking for the
                        // End's payment: after its unit, JetExtGetSessionSlot
                        // says the session ended and the call that it is in
                        // use
  // Statistics (JetExtGetSessionStats):
  kStatsNoPhantoms,      // a waiter that ends again a session it received (a
                         // flag came first) does not count it: its generation
                         // step reads as an End
  kStatsNoInFlight,      // the stats take every open control word for a session
                         // begun, also one handed to a waiter that may give it
                         // back: the reported mark stays too high
  kStatsPoolCallers,     // the stats take the pool's count of waiting callers
                         // for the waits under way: a caller of an ended
                         // incarnation, still counted, lowers the next one's
                         // cSessionsBegun
  kTimeoutBeforeAnswer,  // a waiter that times out counts its timeout before
                         // its OutOfSessions answer: a report in between
                         // shows more timeouts than answers
  kStatsInFlightFirst,   // the stats read the waits under way before the
                         // waits ever counted: a waiter that arrives between
                         // the two reads and leaves within the pass is seen
                         // by neither safeguard, and a grant it gives back
                         // stays counted as a session begun
};

struct StdAtomics {
  template <class T>
  using Atomic = std::atomic<T>;
  // Two words that change together (atomic_pair.h): first() and second()
  // are `Half` (the policy's Atomic<std::uint64_t>), compare_exchange() and
  // load() take both.
  template <class Half>
  using AtomicPair = internal::AtomicPair<Half>;

  // The library proper has none. A mutant build of the whole library (the
  // verification's, see tests/CMakeLists.txt) names one in
  // JETSESSION_MUTATION, for the defects that live in the registry.
#ifdef JETSESSION_MUTATION
  static constexpr Mutation kMutation = Mutation::JETSESSION_MUTATION;
#else
  static constexpr Mutation kMutation = Mutation::kNone;
#endif

  // Gives the processor away; used by blocking waits (JetTerm) only.
  static void Yield() noexcept { std::this_thread::yield(); }

  // Blocking on a 32-bit atomic (see futex.h), for the callers that wait
  // for a session; kWaitCells of them can wait unserved at once (the
  // queue's ring, session_wait_queue.h: 128 KiB with the parked words,
  // allocated by the first waiter of an instance).
  static constexpr std::uint32_t kWaitCells = 16384;
  using WaitClock = internal::WaitClock;
  static void WaitWhile(std::atomic<std::uint32_t>& word,
                        std::uint32_t expected,
                        WaitClock::time_point deadline) noexcept {
    FutexWait(word, expected, deadline);
  }
  static void WakeAll(std::atomic<std::uint32_t>& word) noexcept {
    FutexWakeAll(word);
  }
  // Sleeps until `deadline` (a waiter with no cell to block on).
  static void SleepUntil(WaitClock::time_point deadline) noexcept {
    std::this_thread::sleep_until(deadline);
  }
  // Sleeps a short while (JetTerm's wait for a few steps of another
  // thread, past its first yields: SlotPool::DrainPause()).
  static void Nap() noexcept {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }

  // Whether a grow wakes the waiters it would serve before it takes effect
  // (SlotPool::AlertForGrow()): yes. A test's policy may keep them asleep
  // (as woken waiters that stay descheduled), to play the paths by which
  // other callers hand them the grow's room.
  static constexpr bool kGrowAlertsWaiters = true;
  // Called by a shrink right after it has hinted its first word, and
  // right after it has taken effect (SlotPool::Resize()): nothing here; a
  // test's policy stops the resizer there to show that nobody waits for
  // it.
  static void AfterShrinkHintsAWord() noexcept {}
  static void AfterShrinkTakesEffect() noexcept {}
  // Called by a claim that helps a resize (SlotPool::HelpResize()) right
  // before its CAS that makes the shrink take effect: nothing here.
  static void BeforeHelpTakesEffect() noexcept {}
  // Called by a grow right after it has taken effect, before it decides
  // its units for the waiters (SlotPool::Resize()): nothing here; a
  // test's policy stops the grower there.
  static void AfterGrowTakesEffect() noexcept {}
  // Called by the finisher whose CAS opened a grant's slot for its waiter,
  // before it takes the slot out of the reserved count
  // (SlotPool::OpenGrant()): nothing here; a test's policy stops it there
  // while another finisher publishes the grant.
  static void AfterGrantOpens() noexcept {}
  // After a free's CAS that decides a grant for the overflow list, before
  // its push (SlotPool::MailToHead()): nothing here.
  static void AfterMailDecided() noexcept {}
  // Inside a change in two steps that the count and the stats must see
  // whole, before its first step (the end of SlotPool::BeginSplit()):
  // nothing here.
  static void InsideSplit() noexcept {}

  // A value that names the calling thread for the life of the process: a
  // thread that starts after another exited never gets its id (a context
  // set by the first stays foreign to the second). Never 0.
  static std::uintptr_t ThreadId() noexcept {
    // relaxed: only uniqueness matters, which the RMW gives; once a thread.
    static std::atomic<std::uintptr_t> next{1};
    thread_local const std::uintptr_t kId =
        next.fetch_add(1, std::memory_order_relaxed);
    return kId;
  }

  // The calling thread's start hint for the pool search: the word it last
  // claimed in or freed. A hint only: any value is correct, so one hint per
  // thread is shared by all pools (it is reduced modulo each pool's size).
  static std::uint32_t& Hint() noexcept {
    std::uint32_t& hint = hint_;
    if (hint == kUnsetHint) [[unlikely]]
      InitHint();
    return hint;
  }
  // The hint without the first-use set-up, for the fast paths: a fresh
  // thread reads kUnsetHint, larger than any pool's word count, which sends
  // it to the full path (and Hint()).
  static std::uint32_t PeekHint() noexcept { return hint_; }
  static void SetHint(std::uint32_t index) noexcept { hint_ = index; }

 private:
  // Constant-initialized, so reaching it costs no TLS guard check; a fresh
  // thread (kUnsetHint) starts at a spread of its id, not at word 0.
  static constexpr std::uint32_t kUnsetHint = ~std::uint32_t{0};
  // initial-exec: the library is built position-independent, and the
  // default model for that (general-dynamic) makes every access a call to
  // __tls_get_addr as far as the compiler knows, so the fast paths saved
  // registers around it even where the linker relaxed the call away.
  // initial-exec is one %fs-relative load; the price is the usual one (a
  // jetsession shared library loaded late with dlopen() draws on glibc's
  // static TLS reserve, which 4 bytes do not exhaust).
  [[gnu::tls_model(
      "initial-exec")]] static inline thread_local std::uint32_t hint_ =
      kUnsetHint;

  // Out of line and cold: once per thread, and it keeps the session fast
  // paths free of the calls (and saved registers) it needs.
  [[gnu::noinline, gnu::cold]] static void InitHint() noexcept {
    hint_ = SpreadHint(ThreadId()) >> 1U;
  }

  // Spreads fresh threads over the pool (a 64-bit mix of the thread id).
  static std::uint32_t SpreadHint(std::uintptr_t id) noexcept {
    std::uint64_t x = id;
    x ^= x >> 33U;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33U;
    return static_cast<std::uint32_t>(x);
  }
};

}  // namespace jetsession::internal

#endif  // JETSESSION_SRC_ATOMICS_H_
