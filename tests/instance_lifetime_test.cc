// Lifetimes of one record, white-box: the schedules of the defects that
// live where one incarnation of an instance meets the next, or where a call
// runs on while JetTerm works, played deterministically through hooks in
// the atomics policy. Each test also runs with the defect put back (a
// Mutation of src/atomics.h) and must then see it.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "atomics_hooks.h"
#include "gtest/gtest.h"
#include "instance_core.h"
#include "instance_core_test_util.h"

namespace jetsession::internal {
namespace {

// ---- 1. A proof made by an ended incarnation's Begin ----------------------

// StdAtomics, with `kMutation` and an action run once at the start of the
// next pool search (Claim() reads the active word count, then the hint).
template <Mutation M>
struct HintHookPolicy : StdAtomics {
  static constexpr Mutation kMutation = M;
  static inline std::function<void()> on_hint;
  static std::uint32_t& Hint() noexcept {
    if (on_hint) {
      const std::function<void()> action = std::move(on_hint);
      on_hint = nullptr;
      action();
    }
    return StdAtomics::Hint();
  }
};

// The reviewed schedule: a record whose pool has room for 64 slots runs an
// incarnation with MaxSessions 32 (one active word, full). A Begin on it
// reads the word count, then the instance is terminated and re-created on
// the same record with MaxSessions 64 (the pool is reused with two active
// words), and word 0 is filled. The stale Begin resumes and proves "full"
// over the one word it knows. Returns what a Begin of the new incarnation
// whose hint is word 0 then gets, while 32 of 64 slots are free.
template <Mutation M>
Error BeginAfterStaleProof() {
  using Policy = HintHookPolicy<M>;
  using Core = InstanceCore<Policy>;
  Core core;
  std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(64), Error::kSuccess);  // allocates 64 slots
  Terminate(core);
  const std::uint64_t stale = core.Create();
  EXPECT_EQ(core.Init(32), Error::kSuccess);  // reuses them, one word
  OpenedSession s;
  Policy::SetHint(0);
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ(core.Begin(stale, &s), Error::kSuccess);
  Policy::on_hint = [&core, &gen] {
    Terminate(core);
    gen = core.Create();
    EXPECT_EQ(core.Init(64), Error::kSuccess);  // reuses, two words
    OpenedSession t;
    Policy::SetHint(0);
    for (int i = 0; i < 32; ++i)
      EXPECT_EQ(core.Begin(gen, &t), Error::kSuccess);
    Policy::SetHint(0);
  };
  EXPECT_EQ(core.Begin(stale, &s), Error::kInvalidInstance);
  EXPECT_FALSE(Policy::on_hint) << "the schedule did not run";
  Policy::SetHint(0);
  const Error error = core.Begin(gen, &s);
  Terminate(core);
  return error;
}

TEST(InstanceLifetimeTest, StaleProofIsNotSeenByTheNextIncarnation) {
  EXPECT_EQ(BeginAfterStaleProof<Mutation::kNone>(), Error::kSuccess);
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, StaleProofMutantIsSeen) {
  EXPECT_EQ(BeginAfterStaleProof<Mutation::kStaleProof>(),
            Error::kOutOfSessions);
}
#endif  // JETSESSION_MUTANT_TESTS

// ---- 3. The session count of an ended incarnation -------------------------

// The count of incarnation `stale` read after the record went on to a new
// incarnation with five sessions.
template <Mutation M>
struct MutantPolicy : StdAtomics {
  static constexpr Mutation kMutation = M;
};

template <Mutation M>
Error CountOfEndedIncarnation(std::uint32_t* count) {
  InstanceCore<MutantPolicy<M>> core;
  const std::uint64_t stale = core.Create();
  EXPECT_EQ(core.Init(8), Error::kSuccess);
  Terminate(core);
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(8), Error::kSuccess);
  OpenedSession s;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(core.Begin(gen, &s), Error::kSuccess);
  const Error error = core.Count(stale, count);
  Terminate(core);
  return error;
}

TEST(InstanceLifetimeTest, CountOfAnEndedIncarnationIsInvalidInstance) {
  std::uint32_t count = 99;
  EXPECT_EQ(CountOfEndedIncarnation<Mutation::kNone>(&count),
            Error::kInvalidInstance);
  EXPECT_EQ(count, 99U);
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, CountAnyIncarnationMutantIsSeen) {
  std::uint32_t count = 99;
  EXPECT_EQ(CountOfEndedIncarnation<Mutation::kCountAnyIncarnation>(&count),
            Error::kSuccess);
  EXPECT_EQ(count, 5U);
}
#endif  // JETSESSION_MUTANT_TESTS

// ---- 4. Calls that start after Term set Terminating -----------------------

// Counts the compare-exchanges that the calling thread makes: a call that
// takes a session (its busy flag) makes one.
struct CasCount {
  static inline thread_local int count = 0;
  template <class T>
  static void Before(std::atomic<T>& /*atomic*/, T /*expected*/) noexcept {
    ++count;
  }
};
template <class T>
using CountingAtomic = BeforeCasAtomic<T, CasCount>;

// Compare-exchanges made by End, SetContext, ResetContext and a parameter
// call's EnterCall on an open session (context set or not) once the
// Terminating flag is set, and their answers, which must all be
// TermInProgress. JetTerm's drain waits for every session held: a call
// that takes one after the flag holds Term up, and a thread that loops it
// can hold Term up for as long as it loops.
template <Mutation M>
using CountingPolicy = WrappedPolicy<CountingAtomic, M>;

template <Mutation M>
int CasesAfterTerminating() {
  using Core = InstanceCore<CountingPolicy<M>>;
  Core core;
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(4), Error::kSuccess);
  OpenedSession plain;
  OpenedSession with_context;
  EXPECT_EQ(core.Begin(gen, &plain), Error::kSuccess);
  EXPECT_EQ(core.Begin(gen, &with_context), Error::kSuccess);
  EXPECT_EQ(core.SetContext(with_context.slot, with_context.gen, 7),
            Error::kSuccess);
  core.SetFlag(Core::kTerminating);
  CasCount::count = 0;
  std::vector<Error> answers;
  for (const OpenedSession& s : {plain, with_context}) {
    answers.push_back(core.End(s.slot, s.gen));
    answers.push_back(core.SetContext(s.slot, s.gen, 9));
    answers.push_back(core.ResetContext(s.slot, s.gen));
    std::uint64_t control = 0;
    answers.push_back(core.EnterCall(s.slot, s.gen, &control));
    if (answers.back() == Error::kSuccess) core.ExitCall(s.slot, control);
  }
  if (M == Mutation::kNone) {
    for (const Error answer : answers) {
      EXPECT_EQ(answer, Error::kTermInProgress);
    }
  }
  const int cases = CasCount::count;
  core.Drain();
  core.Release();
  return cases;
}

TEST(InstanceLifetimeTest, CallsAfterTerminatingDoNotTakeTheSession) {
  EXPECT_EQ(CasesAfterTerminating<Mutation::kNone>(), 0);
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, HoldBeforeStateCheckMutantIsSeen) {
  EXPECT_GT(CasesAfterTerminating<Mutation::kHoldBeforeStateCheck>(), 0);
}
#endif  // JETSESSION_MUTANT_TESTS

// SetContext(s, 0) on a terminating instance: TermInProgress, which the
// contract puts right after the InvalidSesid check (before the argument).
template <Mutation M>
Error BadContextWhileTerminating() {
  InstanceCore<MutantPolicy<M>> core;
  OpenedSession s;
  StartFull(core, &s);
  EXPECT_EQ(core.SetContext(s.slot, s.gen, 0), Error::kInvalidParameter);
  core.SetFlag(InstanceCore<MutantPolicy<M>>::kTerminating);
  const Error error = core.SetContext(s.slot, s.gen, 0);
  EXPECT_EQ(core.SetContext(s.slot, s.gen, ~std::uintptr_t{0}), error);
  core.Drain();
  core.Release();
  EXPECT_EQ(core.SetContext(s.slot, s.gen, 0), Error::kInvalidSesid);
  return error;
}

TEST(InstanceLifetimeTest, BadContextWhileTerminatingIsTermInProgress) {
  EXPECT_EQ(BadContextWhileTerminating<Mutation::kNone>(),
            Error::kTermInProgress);
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, ContextArgFirstMutantIsSeen) {
  EXPECT_EQ(BadContextWhileTerminating<Mutation::kContextArgFirst>(),
            Error::kInvalidParameter);
}
#endif  // JETSESSION_MUTANT_TESTS

// ---- 5. Calls on a session that an End holds across a flag ----------------

template <Mutation M>
struct TestAccessPolicy : MutantPolicy<M> {
  static constexpr bool kTestAccess = true;
};

// What End and Dup answer on session s while an End holds it, an End that
// read the state before JetExtSetInstanceUnavailable set its flag (it may
// still end the session, ordered before the flag): `during`, while the
// setter waits for that End to let go; and `after_end`, `after_dup`, once
// the setter has returned, while an End that took s after the flag holds
// it (it re-reads the state and leaves s open). With a context set
// (`context`), no End can end s.
struct EndHoldAnswers {
  Error during;
  Error after_end;
  Error after_dup;
  bool setter_waited;
};

// Waits until `core`'s state carries `flag` (set by another thread).
template <class CoreT>
void AwaitFlag(const CoreT& core, std::uint64_t flag) {
  while ((core.LoadState() & flag) == 0) std::this_thread::yield();
}

template <Mutation M>
EndHoldAnswers AnswersBesideAnEndHold(bool context) {
  using Core = InstanceCore<TestAccessPolicy<M>>;
  Core core;
  OpenedSession s;
  StartFull(core, &s);
  if (context) {
    EXPECT_EQ(core.SetContext(s.slot, s.gen, 7), Error::kSuccess);
  }
  std::uint64_t control = 0;
  EXPECT_TRUE(core.HoldAsEndForTest(s.slot, s.gen, &control));
  std::atomic<bool> returned{false};
  std::thread setter([&core, &returned] {
    core.SetFlag(Core::kUnavailable);
    // seq_cst: read by the test thread below.
    returned.store(true, std::memory_order_seq_cst);
  });
  AwaitFlag(core, Core::kUnavailable);
  EndHoldAnswers answers{};
  answers.during = core.End(s.slot, s.gen);
  // The setter waits for the End that holds s (kept here for 20 ms).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // seq_cst: written by the setter.
  answers.setter_waited = !returned.load(std::memory_order_seq_cst);
  core.ExitCall(s.slot, control);
  setter.join();
  EXPECT_TRUE(core.HoldAsEndForTest(s.slot, s.gen, &control));
  answers.after_end = core.End(s.slot, s.gen);
  OpenedSession t;
  answers.after_dup = core.Dup(s.slot, s.gen, &t);
  core.ExitCall(s.slot, control);
  EXPECT_EQ(core.End(s.slot, s.gen), Error::kInstanceUnavailable);
  Terminate(core);
  return answers;
}

TEST(InstanceLifetimeTest, AnEndHeldAcrossTheFlagHoldsTheSetterUp) {
  const EndHoldAnswers a = AnswersBesideAnEndHold<Mutation::kNone>(false);
  // That End may still end s before the flag: the one answer that fits
  // both outcomes while it is in flight.
  EXPECT_EQ(a.during, Error::kSessionSharingViolation);
  EXPECT_TRUE(a.setter_waited);
}

TEST(InstanceLifetimeTest, AfterTheSetterReturnedAnEndHoldGivesTheFlagsError) {
  const EndHoldAnswers a = AnswersBesideAnEndHold<Mutation::kNone>(false);
  EXPECT_EQ(a.after_end, Error::kInstanceUnavailable);
  EXPECT_EQ(a.after_dup, Error::kInstanceUnavailable);
}

TEST(InstanceLifetimeTest, WithAContextSetAnEndHoldGivesTheFlagsError) {
  const EndHoldAnswers a = AnswersBesideAnEndHold<Mutation::kNone>(true);
  EXPECT_EQ(a.during, Error::kInstanceUnavailable);
  EXPECT_EQ(a.after_end, Error::kInstanceUnavailable);
  EXPECT_EQ(a.after_dup, Error::kInstanceUnavailable);
}

// SetContext(s, 0) on a terminating instance while an End that took s
// before the flag holds it: that End may end s before the flag, so the
// sharing violation, as for every other call on s (helper-81's defect 1:
// TermInProgress, which says s was open after the flag). Once Term's
// setter has gone on, TermInProgress.
TEST(InstanceLifetimeTest,
     ABadContextBesideAnEndHeldAcrossTermIsASharingViolation) {
  using Core = InstanceCore<TestAccessPolicy<Mutation::kNone>>;
  Core core;
  OpenedSession s;
  StartFull(core, &s);
  std::uint64_t control = 0;
  ASSERT_TRUE(core.HoldAsEndForTest(s.slot, s.gen, &control));
  std::thread term([&core] { core.SetFlag(Core::kTerminating); });
  AwaitFlag(core, Core::kTerminating);
  EXPECT_EQ(core.SetContext(s.slot, s.gen, 0), Error::kSessionSharingViolation);
  EXPECT_EQ(core.SetContext(s.slot, s.gen, 5), Error::kSessionSharingViolation);
  core.ExitCall(s.slot, control);
  term.join();
  EXPECT_EQ(core.SetContext(s.slot, s.gen, 0), Error::kTermInProgress);
  core.Drain();
  core.Release();
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, EndsNeverSettleMutantIsSeen) {
  const EndHoldAnswers a =
      AnswersBesideAnEndHold<Mutation::kEndsNeverSettle>(false);
  EXPECT_EQ(a.after_end, Error::kSessionSharingViolation);
}
#endif  // JETSESSION_MUTANT_TESTS

// ---- An End takes effect in one step --------------------------------------

// StdAtomics whose atomics run an action just before or just after the
// next store of a control word that ends a session (not open, not busy):
// Free()'s last step, which makes the handle stale.
struct EndStoreHook {
  static inline std::function<void()> before;
  static inline std::function<void()> after;
  static void Run(std::function<void()>& hook) {
    if (hook) {
      const std::function<void()> action = std::move(hook);
      hook = nullptr;
      action();
    }
  }
};
template <class T>
struct EndStoreHookAtomic : std::atomic<T> {
  using std::atomic<T>::atomic;
  using std::atomic<T>::operator=;
  void store(T value,
             std::memory_order order = std::memory_order_seq_cst) noexcept {
    bool ends = false;  // a control word: busy and open clear
    if constexpr (std::is_same_v<T, std::uint64_t>) ends = (value & 3U) == 0;
    if (ends) EndStoreHook::Run(EndStoreHook::before);
    std::atomic<T>::store(value, order);
    if (ends) EndStoreHook::Run(EndStoreHook::after);
  }
};
template <Mutation M>
using EndStoreHookPolicy = WrappedPolicy<EndStoreHookAtomic, M>;

// Opens every slot of a pool of 64 (word 0 first) and returns the session
// on slot `slot`.
template <class Core>
OpenedSession FillAndPick(Core& core, std::uint64_t gen, std::uint32_t slot) {
  OpenedSession picked{};
  StdAtomics::SetHint(0);
  for (int i = 0; i < 64; ++i) {
    OpenedSession s;
    EXPECT_EQ(core.Begin(gen, &s), Error::kSuccess);
    if (s.slot == slot) picked = s;
  }
  EXPECT_EQ(picked.slot, slot);
  return picked;
}

// A pool of 64 slots, all open; the session on slot 40 (word 1) ends.
// Just after the End's last store, another thread's call on the ended
// handle and then a Begin (hint word 0) run. The call must not learn that
// the session ended while the Begin still finds the pool full: either it
// finds the session held (the End has not taken effect) or the Begin gets
// the slot. Returns the two answers.
template <Mutation M>
std::pair<Error, Error> CallThenBeginAfterEndStore() {
  using Policy = EndStoreHookPolicy<M>;
  InstanceCore<Policy> core;
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(64), Error::kSuccess);
  const OpenedSession ending = FillAndPick(core, gen, 40);
  std::pair<Error, Error> answers{Error::kSuccess, Error::kSuccess};
  EndStoreHook::after = [&] {
    std::uint64_t control = 0;
    answers.first = core.EnterCall(ending.slot, ending.gen, &control);
    if (answers.first == Error::kSuccess) core.ExitCall(ending.slot, control);
    Policy::SetHint(0);
    OpenedSession s;
    answers.second = core.Begin(gen, &s);
  };
  EXPECT_EQ(core.End(ending.slot, ending.gen), Error::kSuccess);
  EXPECT_FALSE(EndStoreHook::after) << "the schedule did not run";
  Terminate(core);
  return answers;
}

TEST(InstanceLifetimeTest, AnEndedHandleMeansAFreeSlot) {
  const auto [call, begin] = CallThenBeginAfterEndStore<Mutation::kNone>();
  EXPECT_EQ(call, Error::kInvalidSesid);
  EXPECT_EQ(begin, Error::kSuccess);
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, EndStaleBeforeFreeMutantIsSeen) {
  const auto [call, begin] =
      CallThenBeginAfterEndStore<Mutation::kEndStaleBeforeFree>();
  EXPECT_EQ(call, Error::kInvalidSesid);
  EXPECT_EQ(begin, Error::kOutOfSessions);
}
#endif  // JETSESSION_MUTANT_TESTS

// The same full pool; just before the End's last store (its bit free, its
// handle not yet stale: the slot is pending), another thread's call on the
// handle and a Begin (hint word 0) run. The call finds the session held;
// the Begin must not take the pending slot (the End's store would close
// the new session) and must not leave a verified "full" behind (the slot is
// claimable right after). Returns the answers: the call, that Begin, End of
// the session that Begin opened (if it did), and a Begin after the End.
template <Mutation M>
std::array<Error, 4> CallsWhileTheSlotIsPending() {
  using Policy = EndStoreHookPolicy<M>;
  InstanceCore<Policy> core;
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(64), Error::kSuccess);
  const OpenedSession ending = FillAndPick(core, gen, 40);
  std::array<Error, 4> answers{};
  OpenedSession taken;
  EndStoreHook::before = [&] {
    std::uint64_t control = 0;
    answers[0] = core.EnterCall(ending.slot, ending.gen, &control);
    if (answers[0] == Error::kSuccess) core.ExitCall(ending.slot, control);
    Policy::SetHint(0);
    answers[1] = core.Begin(gen, &taken);
  };
  EXPECT_EQ(core.End(ending.slot, ending.gen), Error::kSuccess);
  EXPECT_FALSE(EndStoreHook::before) << "the schedule did not run";
  answers[2] = answers[1] == Error::kSuccess ? core.End(taken.slot, taken.gen)
                                             : Error::kSuccess;
  Policy::SetHint(0);
  OpenedSession s;
  answers[3] = core.Begin(gen, &s);
  // A session that the End closed under its Begin (the claim-pending
  // mutant) keeps its bit: JetTerm's drain would wait for it for ever.
  if (answers[2] != Error::kInvalidSesid) Terminate(core);
  return answers;
}

TEST(InstanceLifetimeTest, APendingSlotIsHeldAndNotClaimed) {
  const auto answers = CallsWhileTheSlotIsPending<Mutation::kNone>();
  EXPECT_EQ(answers[0], Error::kSessionSharingViolation);
  EXPECT_EQ(answers[1], Error::kOutOfSessions);
  EXPECT_EQ(answers[3], Error::kSuccess);
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, ClaimPendingSlotMutantIsSeen) {
  const auto answers =
      CallsWhileTheSlotIsPending<Mutation::kClaimPendingSlot>();
  EXPECT_EQ(answers[1], Error::kSuccess);
  EXPECT_EQ(answers[2], Error::kInvalidSesid);  // the End closed it
}

TEST(InstanceLifetimeTest, PromotePendingProofMutantIsSeen) {
  const auto answers =
      CallsWhileTheSlotIsPending<Mutation::kPromotePendingProof>();
  EXPECT_EQ(answers[1], Error::kOutOfSessions);
  EXPECT_EQ(answers[3], Error::kOutOfSessions);  // a stale verified flag
}
#endif  // JETSESSION_MUTANT_TESTS

// ---- A claim stalled across a wrap of its word's version -------------------

template <Mutation M>
using ClaimHookPolicy = WrappedPolicy<ClaimHookAtomic, M>;

// A pool of 2 slots (one word). A Begin stalls just before its claim CAS
// while slot 0 is opened and ended twice more; then the word is put back
// to the value the claim expects, as 2^30 frees of the word would (its
// version wraps), and the claim succeeds. The session it opens must carry
// a new generation: every handle ended before must stay invalid. Returns
// how many of those ended handles a call accepts afterwards.
template <Mutation M>
int EndedHandlesAcceptedAfterAWrap() {
  using Policy = ClaimHookPolicy<M>;
  InstanceCore<Policy> core;
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(2), Error::kSuccess);
  Policy::SetHint(0);
  std::vector<OpenedSession> ended(1);
  EXPECT_EQ(core.Begin(gen, &ended[0]), Error::kSuccess);
  EXPECT_EQ(core.End(ended[0].slot, ended[0].gen), Error::kSuccess);
  ClaimHook::before = [&](std::atomic<std::uint64_t>& word,
                          std::uint64_t expected) {
    for (int i = 0; i < 2; ++i) {
      OpenedSession s;
      Policy::SetHint(0);
      EXPECT_EQ(core.Begin(gen, &s), Error::kSuccess);
      EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
      ended.push_back(s);
    }
    word.store(expected);  // the version wrapped
  };
  Policy::SetHint(0);
  OpenedSession opened;
  EXPECT_EQ(core.Begin(gen, &opened), Error::kSuccess);
  EXPECT_FALSE(ClaimHook::before) << "the schedule did not run";
  int accepted = 0;
  for (const OpenedSession& s : ended) {
    std::uint64_t control = 0;
    if (core.EnterCall(s.slot, s.gen, &control) == Error::kSuccess) {
      core.ExitCall(s.slot, control);
      ++accepted;
    }
  }
  Terminate(core);
  return accepted;
}

TEST(InstanceLifetimeTest, AClaimAcrossAVersionWrapOpensANewGeneration) {
  EXPECT_EQ(EndedHandlesAcceptedAfterAWrap<Mutation::kNone>(), 0);
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, OpenFromStaleReadMutantIsSeen) {
  EXPECT_EQ(EndedHandlesAcceptedAfterAWrap<Mutation::kOpenFromStaleRead>(), 1);
}
#endif  // JETSESSION_MUTANT_TESTS

// ---- A claim stalled across JetTerm, a re-create and a wrap ---------------

// What the calls of a Begin stalled across an incarnation's end saw: the
// stale Begin's answer, then the new incarnation's session count and how
// many Begins it accepts.
struct StaleClaimOutcome {
  Error stale_begin;
  std::uint32_t count;
  int begun;
};

// A pool of 2 slots (one word). A Begin validates its incarnation, checks
// it again and stops just before its claim CAS. Meanwhile JetTerm ends the
// incarnation, a new one is created on the same record with the same
// MaxSessions (the pool is reused: Reset() bumps the word's version), and
// the word is put back to the value the claim expects, as 2^30 frees of
// the word in the new incarnation would. The claim CAS then succeeds in the
// new incarnation. The stale Begin must answer InvalidInstance and leave
// nothing behind: the new incarnation counts 0 sessions and accepts 2.
// `fast`: the stale Begin is Begin's fast path (a false answer is then
// reported as InvalidInstance, which Begin() would go on to answer).
template <Mutation M>
StaleClaimOutcome ClaimAcrossTermAndAWrap(bool fast = false) {
  using Policy = ClaimHookPolicy<M>;
  using Core = InstanceCore<Policy>;
  Core core;
  const std::uint64_t stale = core.Create();
  EXPECT_EQ(core.Init(2), Error::kSuccess);
  std::uint64_t gen = 0;
  ClaimHook::before = [&](std::atomic<std::uint64_t>& word,
                          std::uint64_t expected) {
    Terminate(core);
    gen = core.Create();
    EXPECT_EQ(core.Init(2), Error::kSuccess);
    EXPECT_NE(word.load(), expected) << "Reset() moved the version";
    word.store(expected);  // the version wrapped
  };
  Policy::SetHint(0);
  OpenedSession s;
  StaleClaimOutcome outcome{};
  if (fast) {
    const typename Core::Pool::HintResult begun = core.TryBeginFast(stale);
    using HintClaim = typename Core::Pool::HintClaim;
    if (begun.outcome == HintClaim::kGiveBack) {
      Core::Pool::GiveBackAt(*begun.given, begun.slot);
    }
    outcome.stale_begin = begun.outcome == HintClaim::kClaimed
                              ? Error::kSuccess
                              : Error::kInvalidInstance;
  } else {
    outcome.stale_begin = core.Begin(stale, &s);
  }
  EXPECT_FALSE(ClaimHook::before) << "the schedule did not run";
  EXPECT_EQ(core.Count(gen, &outcome.count), Error::kSuccess);
  for (int i = 0; i < 2; ++i) {
    Policy::SetHint(0);
    if (core.Begin(gen, &s) == Error::kSuccess) ++outcome.begun;
  }
  Terminate(core);
  return outcome;
}

TEST(InstanceLifetimeTest, AClaimAcrossTermAndAWrapLeavesNothingBehind) {
  const StaleClaimOutcome outcome = ClaimAcrossTermAndAWrap<Mutation::kNone>();
  EXPECT_EQ(outcome.stale_begin, Error::kInvalidInstance);
  EXPECT_EQ(outcome.count, 0U);
  EXPECT_EQ(outcome.begun, 2);
}

TEST(InstanceLifetimeTest, AFastClaimAcrossTermAndAWrapLeavesNothingBehind) {
  const StaleClaimOutcome outcome =
      ClaimAcrossTermAndAWrap<Mutation::kNone>(/*fast=*/true);
  EXPECT_EQ(outcome.stale_begin, Error::kInvalidInstance);
  EXPECT_EQ(outcome.count, 0U);
  EXPECT_EQ(outcome.begun, 2);
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, NoRecheckAfterClaimMutantIsSeen) {
  const StaleClaimOutcome outcome =
      ClaimAcrossTermAndAWrap<Mutation::kNoRecheckAfterClaim>();
  EXPECT_EQ(outcome.stale_begin, Error::kSuccess);
  EXPECT_EQ(outcome.count, 1U);
  EXPECT_EQ(outcome.begun, 1);
}
#endif  // JETSESSION_MUTANT_TESTS

// ---- Begin's fast path: which incarnation its control read belongs to ---

// Runs an action once, just before the calling thread's `before`-th load of
// a 64-bit atomic since `count` was reset; records the last word loaded
// before it (the fast path loads the state, then the pool word).
struct LoadHook {
  static inline thread_local int count = 0;
  static inline int before = 0;
  static inline std::atomic<std::uint64_t>* word = nullptr;
  static inline std::uint64_t word_value = 0;
  static inline std::function<void()> action;
};
template <class T>
struct LoadHookAtomic : std::atomic<T> {
  using std::atomic<T>::atomic;
  using std::atomic<T>::operator=;
  T load(std::memory_order order = std::memory_order_seq_cst) const noexcept {
    if constexpr (std::is_same_v<T, std::uint64_t>) {
      if (++LoadHook::count == LoadHook::before && LoadHook::action) {
        const auto action = std::move(LoadHook::action);
        LoadHook::action = nullptr;
        action();
      }
      const T value = std::atomic<T>::load(order);
      if (LoadHook::count == 2) {  // the pool word
        LoadHook::word = const_cast<LoadHookAtomic*>(this);
        LoadHook::word_value = value;
      }
      return value;
    }
    return std::atomic<T>::load(order);
  }
};

// A pool of 2 slots (one word) with slot 0 held. Begin's fast path loads
// the state (1st load), the pool word (2nd), then the slot's control word
// and the state again, in an order the test does not assume. Just before
// the 4th load, JetTerm ends the incarnation, a new one is created on the
// record (Reset() moves every slot's generation) with slot 0 held, and the
// word is put back to the value the fast path loaded, as 2^30 frees would.
// If the control read comes after the incarnation check, it reads the new
// incarnation's control word, the CAS succeeds, and the compare after it
// finds nothing changed: the stale Begin opens a session of the next
// incarnation. The control read must come before the check, which then
// fails.
TEST(InstanceLifetimeTest, AFastClaimsControlReadBelongsToItsIncarnation) {
  using Policy = WrappedPolicy<LoadHookAtomic>;
  using Core = InstanceCore<Policy>;
  Core core;
  const std::uint64_t stale = core.Create();
  ASSERT_EQ(core.Init(2), Error::kSuccess);
  Policy::SetHint(0);
  OpenedSession held;
  ASSERT_EQ(core.Begin(stale, &held), Error::kSuccess);
  std::uint64_t gen = 0;
  LoadHook::before = 4;
  LoadHook::action = [&] {
    Terminate(core);
    gen = core.Create();
    ASSERT_EQ(core.Init(2), Error::kSuccess);
    Policy::SetHint(0);
    OpenedSession s;
    ASSERT_EQ(core.Begin(gen, &s), Error::kSuccess);
    LoadHook::word->store(LoadHook::word_value);  // the version wrapped
  };
  Policy::SetHint(0);
  LoadHook::count = 0;
  const typename Core::Pool::HintResult fast = core.TryBeginFast(stale);
  EXPECT_FALSE(LoadHook::action) << "the schedule did not run";
  using HintClaim = typename Core::Pool::HintClaim;
  if (fast.outcome == HintClaim::kGiveBack) {
    Core::Pool::GiveBackAt(*fast.given, fast.slot);
  }
  EXPECT_NE(fast.outcome, HintClaim::kClaimed)
      << "a Begin of the ended incarnation opened slot " << fast.slot;
  std::uint32_t count = 0;
  EXPECT_EQ(core.Count(gen, &count), Error::kSuccess);
  EXPECT_EQ(count, 1U);
  LoadHook::before = 0;
  Terminate(core);
}

// ---- A call on a session that another call holds, racing a flag ----------

// A call (not an End) holds the session; a flag is set; End on the same
// session answers in ESE's order, the state error first: the holder cannot
// end the session, so the session is open after the flag. (When the holder
// is an End and the flag refuses Ends, the answer is the sharing violation:
// Relacy's EndPair checks that case, which needs an End stopped inside its
// hold.)
Error EndOnHeldSessionAfterFlag(std::uint64_t flag) {
  using Core = InstanceCore<StdAtomics>;
  Core core;
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(2), Error::kSuccess);
  OpenedSession s;
  EXPECT_EQ(core.Begin(gen, &s), Error::kSuccess);
  std::uint64_t control = 0;
  EXPECT_EQ(core.EnterCall(s.slot, s.gen, &control), Error::kSuccess);
  core.SetFlag(flag);
  const Error error = core.End(s.slot, s.gen);
  core.ExitCall(s.slot, control);
  Terminate(core);
  return error;
}

TEST(InstanceLifetimeTest, SessionHeldByAnotherCallAnswersTheFlagFirst) {
  using Core = InstanceCore<StdAtomics>;
  EXPECT_EQ(EndOnHeldSessionAfterFlag(Core::kUnavailable),
            Error::kInstanceUnavailable);
  EXPECT_EQ(EndOnHeldSessionAfterFlag(Core::kStopped),
            Error::kSessionSharingViolation);  // Stop does not refuse End
}

// ---- A caller that comes to wait on an incarnation that has ended --------

// A steady clock that runs an action once, at its next reading on the
// thread that set it. A waiting Begin's first reading comes between the
// full answer that sent it to wait and its count among the waiters
// (WaitForSlot()).
struct HookedClock : std::chrono::steady_clock {
  static inline thread_local std::function<void()> on_now;
  static time_point now() {
    if (on_now) {
      const std::function<void()> action = std::move(on_now);
      on_now = nullptr;
      action();
    }
    return std::chrono::steady_clock::now();
  }
};

template <Mutation M>
struct ClockHookPolicy : StdAtomics {
  static constexpr Mutation kMutation = M;
  using WaitClock = HookedClock;
};

// The schedule: at this thread's next wait-clock reading, JetTerm2 of the
// record's incarnation and JetInit(1) of the next one (*next, the same
// pool), with its one session opened if `open_one`; then *armed (if given)
// becomes true.
template <class Core>
void ReinitAtTheNextClockReading(Core& core, std::uint64_t* next, bool open_one,
                                 bool* armed) {
  HookedClock::on_now = [&core, next, open_one, armed] {
    Terminate(core);
    *next = core.Create();
    EXPECT_EQ(core.Init(1), Error::kSuccess);
    if (open_one) {
      OpenedSession b;
      EXPECT_EQ(core.Begin(*next, &b), Error::kSuccess);
    }
    if (armed != nullptr) *armed = true;
  };
}

// The schedule: a waiting Begin finds the instance full, and before it
// counts itself among the waiters JetTerm2 runs (it finds no waiter and
// returns) and the record is initialized again. The caller must leave
// with InvalidInstance and count nothing in the next incarnation. Returns
// the waits that incarnation's statistics report.
template <Mutation M>
std::uint64_t WaitsCountedAfterTheIncarnationEnded() {
  using Core = InstanceCore<ClockHookPolicy<M>>;
  Core core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::hours(1);
  std::uint64_t next = 0;
  ReinitAtTheNextClockReading(core, &next, false, nullptr);
  OpenedSession s;
  EXPECT_EQ(core.BeginWait(gen, &s, deadline), Error::kInvalidInstance);
  EXPECT_FALSE(HookedClock::on_now) << "the schedule did not run";
  EXPECT_EQ(core.Waiting(), 0U);
  SessionStatsData stats;
  EXPECT_EQ(core.Stats(next, &stats), Error::kSuccess);
  EXPECT_EQ(stats.waiters, 0U);
  Terminate(core);
  return stats.waits;
}

TEST(InstanceLifetimeTest, AWaiterOfAnEndedIncarnationCountsNothingInTheNext) {
  EXPECT_EQ(WaitsCountedAfterTheIncarnationEnded<Mutation::kNone>(), 0U);
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, StaleWaiterCountsMutantIsSeen) {
  EXPECT_EQ(
      WaitsCountedAfterTheIncarnationEnded<Mutation::kStaleWaiterCounts>(), 1U);
}
#endif  // JETSESSION_MUTANT_TESTS

// The same schedule, and a stats read of the next incarnation (one session
// open, nothing of it in flight) just before the caller leaves: its count
// among the pool's waiters drops (the first 32-bit fetch_sub after the
// schedule ran). Returns that read.
template <Mutation M>
struct StaleCallerPolicy : WrappedPolicy<SubHookAtomic, M> {
  using WaitClock = HookedClock;
};

template <Mutation M>
SessionStatsData StatsBesideAStaleCaller() {
  using Core = InstanceCore<StaleCallerPolicy<M>>;
  Core core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::hours(1);
  std::uint64_t next = 0;
  bool armed = false;
  bool read = false;
  SessionStatsData stats;
  ReinitAtTheNextClockReading(core, &next, true, &armed);
  SubHook::before = [&](std::thread::id) {
    if (!armed || read) return;
    read = true;
    EXPECT_EQ(core.Stats(next, &stats), Error::kSuccess);
  };
  OpenedSession s;
  EXPECT_EQ(core.BeginWait(gen, &s, deadline), Error::kInvalidInstance);
  SubHook::before = nullptr;
  EXPECT_TRUE(read) << "the schedule did not run";
  Terminate(core);
  return stats;
}

TEST(InstanceLifetimeTest, ACallerOfAnEndedIncarnationLeavesTheNextsFigures) {
  const SessionStatsData stats = StatsBesideAStaleCaller<Mutation::kNone>();
  EXPECT_EQ(stats.open, 1U);
  EXPECT_EQ(stats.begun, 1U);
}

#if JETSESSION_MUTANT_TESTS
TEST(InstanceLifetimeTest, StatsPoolCallersMutantIsSeen) {
  EXPECT_EQ(StatsBesideAStaleCaller<Mutation::kStatsPoolCallers>().begun, 0U);
}
#endif  // JETSESSION_MUTANT_TESTS

// ---- JetTerm's wait for a call in flight ----------------------------------

// StdAtomics, counting the yields.
struct YieldCountingPolicy : StdAtomics {
  static inline std::atomic<int> yields{0};
  static void Yield() noexcept {
    yields.fetch_add(1);
    std::this_thread::yield();
  }
};

// JetTerm2 while a call on a session is in flight and its thread does not
// run (a thread of lower priority on the Term's processor; here the test
// thread, which holds the call): past its first few yields the drain
// sleeps instead of yielding again and again, and it returns once the call
// has returned, with the session ended.
TEST(InstanceLifetimeTest, TermSleepsWhileACallInFlightCannotRun) {
  using Core = InstanceCore<YieldCountingPolicy>;
  Core core;
  OpenedSession held;
  StartFull(core, &held);
  std::uint64_t control = 0;
  ASSERT_EQ(core.EnterCall(held.slot, held.gen, &control), Error::kSuccess);
  core.SetFlag(Core::kTerminating);
  std::atomic<bool> drained{false};
  std::thread term = StartHeldDrain(
      core, &drained, [] { return YieldCountingPolicy::yields.load(); });
  core.ExitCall(held.slot, control);
  term.join();
  EXPECT_TRUE(drained.load());
  EXPECT_EQ(core.End(held.slot, held.gen), Error::kInvalidSesid);
  core.Release();
}

// JetExtSetInstanceUnavailable while an End that took a session before
// its flag holds it and its thread does not run (here the test thread
// holds it): the setter waits for it, past its first few yields asleep,
// not yielding again and again (helper-81: a SCHED_FIFO caller spun for a
// second on its processor, until the kernel's real-time throttle let the
// End run).
struct YieldCountingTestAccessPolicy : YieldCountingPolicy {
  static constexpr bool kTestAccess = true;
};

TEST(InstanceLifetimeTest, UnavailableSleepsWhileAnEndHeldAcrossItCannotRun) {
  using Core = InstanceCore<YieldCountingTestAccessPolicy>;
  Core core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  std::uint64_t control = 0;
  ASSERT_TRUE(core.HoldAsEndForTest(held.slot, held.gen, &control));
  std::atomic<bool> started{false};
  std::atomic<bool> returned{false};
  std::thread setter([&core, &started, &returned] {
    started.store(true);
    core.SetFlag(Core::kUnavailable);
    returned.store(true);
  });
  ExpectAsleep([] { return YieldCountingPolicy::yields.load(); }, started,
               "the setter");
  EXPECT_FALSE(returned.load());
  core.ExitCall(held.slot, control);
  setter.join();
  EXPECT_TRUE(returned.load());
  EXPECT_EQ(core.End(held.slot, held.gen), Error::kInstanceUnavailable);
  EXPECT_EQ(CountOf(core, gen), 1U);
  Terminate(core);
}

}  // namespace
}  // namespace jetsession::internal
