// White-box schedule of the statistics (src/instance_core.h Stats()): a
// stats read in the middle of a hand-off whose waiter then gives the
// session back (a Stop came first). Played with hooks before the End's
// commit of the slot to the waiter's cell and before its publication (the
// slot committed to the waiter and opened for it), and run against the two
// statistics mutants to show that the schedule catches each (ctest's mutant
// builds of the whole library would need the race to happen by chance).
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>
#include <utility>

#include "atomics_hooks.h"
#include "gtest/gtest.h"
#include "instance_core.h"
#include "instance_core_test_util.h"

namespace jetsession::internal {
namespace {

struct Figures {
  SessionStatsData middle;  // read while the slot was on its way
  SessionStatsData rest;    // read once every call had returned
  Error waited = Error::kSuccess;
  bool ran = false;
};

// Holds a waiter at its first 32-bit compare-exchange (a cell CAS) once the
// schedule's phase is 1, until the phase is 2. Called from
// EveryCasAnyWidthHook::each on every compare-exchange.
struct WaiterHold {
  std::atomic<std::thread::id> waiter_id;
  // Set by the schedule: 1 once the waiter may be held, 2 to let it go.
  std::atomic<int> phase{0};
  bool held = false;  // the waiter's thread only

  void AtCas(std::thread::id id, bool wide) {
    if (id != waiter_id.load() || wide || held ||
        phase.load(std::memory_order_acquire) < 1) {
      return;
    }
    held = true;
    while (phase.load(std::memory_order_acquire) < 2) {
      std::this_thread::yield();
    }
  }
};

// Capacity 1: a session held, one waiter; the End hands its slot over: a
// Stop after the End's free and before its head CAS (at its second 64-bit
// compare-exchange, the bit taken back), a stats read just before its
// publication; the waiter, held at its first cell CAS after the Stop until
// the End returned, takes the session, sees that its grant came after the
// Stop's gate and ends it again.
template <Mutation M>
Figures HandOffGivenBack() {
  using Core = InstanceCore<WrappedPolicy<EveryCasAnyWidthHookAtomic, M>>;
  Core core;
  Figures figures;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  const std::thread::id main_id = std::this_thread::get_id();
  std::atomic<bool> armed{false};
  // Phase 1: the Stop is under way; 2: the End returned.
  WaiterHold hold;
  int main_cases = 0;
  EveryCasAnyWidthHook::each = [&](std::thread::id id, bool wide) {
    if (!armed.load(std::memory_order_acquire)) return;
    if (id == main_id && wide && ++main_cases == 2) {
      // Phase 1 before the Stop's alert can wake the waiter: its cancel is
      // then held.
      hold.phase.store(1, std::memory_order_release);
      core.SetFlag(Core::kStopped);
    } else {
      hold.AtCas(id, wide);
    }
  };
  EveryCasAnyWidthHook::each_store = [&](std::thread::id id) {
    if (armed.load(std::memory_order_acquire) && id == main_id &&
        hold.phase.load(std::memory_order_acquire) == 1 && !figures.ran) {
      figures.ran = true;
      EXPECT_EQ(core.Stats(gen, &figures.middle), Error::kSuccess);
    }
  };
  std::thread waiter([&] {
    hold.waiter_id.store(std::this_thread::get_id());
    OpenedSession w;
    figures.waited =
        core.BeginWait(gen, &w, Core::WaitClock::time_point::max());
  });
  while (core.QueuedTickets() != 1) std::this_thread::yield();
  armed.store(true, std::memory_order_release);
  EXPECT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  hold.phase.store(2, std::memory_order_release);
  waiter.join();
  EveryCasAnyWidthHook::each = nullptr;
  EveryCasAnyWidthHook::each_store = nullptr;
  EXPECT_EQ(core.Stats(gen, &figures.rest), Error::kSuccess);
  Terminate(core);
  return figures;
}

// The figures of a schedule in which `sessions` sessions were begun and
// ended and one waiter gave back the session it was handed (a Stop came
// first): the read in the middle counts no more, and so do the figures at
// rest.
void ExpectGivenBackCountsNothing(const Figures& f, std::uint64_t sessions) {
  ASSERT_TRUE(f.ran) << "the schedule did not run";
  EXPECT_EQ(f.waited, Error::kClientRequestToStopJetService);
  EXPECT_LE(f.middle.begun, sessions) << "the slot given back counted as begun";
  EXPECT_EQ(f.rest.begun, sessions);
  EXPECT_EQ(f.rest.ended, sessions);
  EXPECT_EQ(f.rest.open, 0U);
  EXPECT_EQ(f.rest.waits, 1U);
  EXPECT_EQ(f.rest.wait_timeouts, 0U);
}

TEST(SessionStatsTest, AHandOffGivenBackCountsOneBeginAndOneEnd) {
  const Figures f = HandOffGivenBack<Mutation::kNone>();
  ExpectGivenBackCountsNothing(f, 1);
  EXPECT_EQ(f.middle.waiters, 1U);
}

#if JETSESSION_MUTANT_TESTS
// The mutants: each leaves a wrong figure at rest.
TEST(SessionStatsTest, TheScheduleCatchesTheInFlightMutant) {
  const Figures f = HandOffGivenBack<Mutation::kStatsNoInFlight>();
  ASSERT_TRUE(f.ran);
  EXPECT_EQ(f.rest.begun, 2U) << "the mark kept the session on its way";
  EXPECT_EQ(f.rest.ended, 1U);
}

TEST(SessionStatsTest, TheScheduleCatchesThePhantomMutant) {
  const Figures f = HandOffGivenBack<Mutation::kStatsNoPhantoms>();
  ASSERT_TRUE(f.ran);
  EXPECT_EQ(f.rest.ended, 2U) << "the session given back counted as an End";
}
#endif  // JETSESSION_MUTANT_TESTS

// A policy whose Stats() runs the action set with At(step), once, at each
// of its steps (see StatsStep).
template <template <class> class A, Mutation M = Mutation::kNone>
struct StatsStepPolicy : WrappedPolicy<A, M> {
  static inline std::array<std::function<void()>,
                           static_cast<std::size_t>(StatsStep::kBeforeMarks) +
                               1>
      actions;
  static std::function<void()>& At(StatsStep step) {
    return actions[static_cast<std::size_t>(step)];
  }
  static void AtStatsStep(StatsStep step) {
    std::function<void()>& action = At(step);
    if (action) {
      const auto run = std::move(action);
      action = nullptr;
      run();
    }
  }
};
using MarksHookPolicy = StatsStepPolicy<std::atomic>;

// A stats call validated its incarnation, then JetTerm and a JetInit of the
// next incarnation on the record ran before it raised its marks: it must
// not report a begun count below one reported before (it answered Success
// with the waiters taken off it; found by an outside attack that pinned a
// reader, a Term and a re-create to one CPU).
TEST(SessionStatsTest, AReadAcrossTermAndReinitReportsNothingLower) {
  using Core = InstanceCore<MarksHookPolicy>;
  Core core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(2), Error::kSuccess);
  OpenedSession a;
  OpenedSession b;
  ASSERT_EQ(core.Begin(gen, &a), Error::kSuccess);
  ASSERT_EQ(core.Begin(gen, &b), Error::kSuccess);
  SessionStatsData first;
  ASSERT_EQ(core.Stats(gen, &first), Error::kSuccess);
  ASSERT_EQ(first.begun, 2U);
  Error waited = Error::kSuccess;
  std::thread waiter([&] {
    OpenedSession w;
    waited = core.BeginWait(gen, &w, Core::WaitClock::time_point::max());
  });
  while (core.Waiting() != 1) std::this_thread::yield();
  bool ran = false;
  MarksHookPolicy::At(StatsStep::kBeforeMarks) = [&] {
    ran = true;
    Terminate(core);  // the waiter leaves with TermInProgress
    core.Create();
    EXPECT_EQ(core.Init(2), Error::kSuccess);
  };
  SessionStatsData late;
  const Error error = core.Stats(gen, &late);
  waiter.join();
  EXPECT_TRUE(ran) << "the schedule did not run";
  EXPECT_EQ(waited, Error::kTermInProgress);
  if (error == Error::kSuccess) {
    EXPECT_GE(late.begun, first.begun) << "a begun count went back";
  } else {
    EXPECT_EQ(error, Error::kInvalidInstance);
  }
  Terminate(core);
}

// Capacity 2, sessions A and B open. A stats read: between its reads of
// the waits ever counted and of the waits under way, a waiter arrives (it
// counts itself and queues), a Stop comes, End A hands its slot to the
// waiter (gated by the Stop) and End B frees its own. The read's pass sees
// A's slot open for the waiter. After the pass, the waiter, held until then
// at its first cell compare-exchange after the Stop, takes the grant, finds
// it gated, ends the session again and leaves; then the read finishes. The
// schedule of a fresh-eyes attack (made there by a debugger through the C
// API). Returns the read's figures and those read at rest.
template <Mutation M>
Figures WaiterBetweenTheFirstReads() {
  using Policy = StatsStepPolicy<EveryCasAnyWidthHookAtomic, M>;
  using Core = InstanceCore<Policy>;
  Core core;
  Figures figures;
  OpenedSession a;
  OpenedSession b;
  const std::uint64_t gen = StartTwoOpen(core, &a, &b);
  // Phase 1: the Stop is set; 2: the read's pass is done.
  WaiterHold hold;
  EveryCasAnyWidthHook::each = [&](std::thread::id id, bool wide) {
    hold.AtCas(id, wide);
  };
  std::thread waiter;
  Policy::At(StatsStep::kBetweenFirstReads) = [&] {
    waiter = std::thread([&] {
      hold.waiter_id.store(std::this_thread::get_id());
      OpenedSession w;
      figures.waited =
          core.BeginWait(gen, &w, Core::WaitClock::time_point::max());
    });
    while (core.QueuedTickets() != 1) std::this_thread::yield();
    hold.phase.store(1, std::memory_order_release);
    core.SetFlag(Core::kStopped);
    EXPECT_EQ(core.End(a.slot, a.gen), Error::kSuccess);
    EXPECT_EQ(core.End(b.slot, b.gen), Error::kSuccess);
  };
  Policy::At(StatsStep::kAfterPass) = [&] {
    figures.ran = true;
    hold.phase.store(2, std::memory_order_release);
    waiter.join();
  };
  EXPECT_EQ(core.Stats(gen, &figures.middle), Error::kSuccess);
  EveryCasAnyWidthHook::each = nullptr;
  for (std::function<void()>& action : Policy::actions) action = nullptr;
  if (waiter.joinable()) waiter.join();
  EXPECT_EQ(core.Stats(gen, &figures.rest), Error::kSuccess);
  Terminate(core);
  return figures;
}

TEST(SessionStatsTest, AWaiterBetweenTheFirstReadsCountsNoBegin) {
  ExpectGivenBackCountsNothing(WaiterBetweenTheFirstReads<Mutation::kNone>(),
                               2);
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionStatsTest, TheScheduleCatchesTheInFlightFirstMutant) {
  const Figures f = WaiterBetweenTheFirstReads<Mutation::kStatsInFlightFirst>();
  ASSERT_TRUE(f.ran);
  EXPECT_EQ(f.rest.begun, 3U) << "the mark kept the session given back";
  EXPECT_EQ(f.rest.ended, 2U);
}
#endif  // JETSESSION_MUTANT_TESTS

// A waiter that times out counts its OutOfSessions answer, then its
// timeout. Stats read just before each of its 64-bit fetch_adds (the
// counters' adds among them) never show more timeouts than OutOfSessions
// answers or waits. Returns the reads that did.
template <Mutation M>
int ReadsWithMoreTimeoutsThanAnswers() {
  using Core = InstanceCore<WrappedPolicy<AddHookAtomic, M>>;
  Core core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  int reads = 0;
  int torn = 0;
  AddHook::before = [&] {
    SessionStatsData figures;
    EXPECT_EQ(core.Stats(gen, &figures), Error::kSuccess);
    ++reads;
    if (figures.wait_timeouts > figures.out_of_sessions ||
        figures.wait_timeouts > figures.waits) {
      ++torn;
    }
  };
  OpenedSession s;
  // A deadline long enough that the call waits before it passes, even
  // under a sanitizer on a loaded machine (a deadline passed before the
  // wait answers OutOfSessions with no wait and no timeout).
  EXPECT_EQ(
      core.BeginWait(gen, &s,
                     Core::WaitClock::now() + std::chrono::milliseconds(100)),
      Error::kOutOfSessions);
  AddHook::before = nullptr;
  EXPECT_GT(reads, 2);
  SessionStatsData rest;
  EXPECT_EQ(core.Stats(gen, &rest), Error::kSuccess);
  EXPECT_EQ(rest.wait_timeouts, 1U);
  EXPECT_EQ(rest.out_of_sessions, 1U);
  Terminate(core);
  return torn;
}

TEST(SessionStatsTest, ATimeoutIsNeverReportedBeforeItsAnswer) {
  EXPECT_EQ(ReadsWithMoreTimeoutsThanAnswers<Mutation::kNone>(), 0);
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionStatsTest, TheReadsCatchTheTimeoutBeforeAnswerMutant) {
  EXPECT_GT(ReadsWithMoreTimeoutsThanAnswers<Mutation::kTimeoutBeforeAnswer>(),
            0);
}
#endif  // JETSESSION_MUTANT_TESTS

}  // namespace
}  // namespace jetsession::internal
