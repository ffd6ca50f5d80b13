// White-box tests of JetExtSetMaxSessions's core (SlotPool::Resize(), the
// debt paid by Ends, the reserved slots), each with the seeded mutant that
// it catches.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "atomics.h"
#include "atomics_hooks.h"
#include "debt_word.h"
#include "gtest/gtest.h"
#include "instance_core.h"
#include "instance_core_test_util.h"
#include "poll_until.h"
#include "slot_pool.h"

namespace jetsession::internal {
namespace {

template <Mutation M>
struct ResizePolicy : StdAtomics {
  static constexpr Mutation kMutation = M;
};

// Opens `n` sessions on incarnation `gen`, appended to *held.
template <class Core>
void OpenSessions(Core& core, std::uint64_t gen, std::uint32_t n,
                  std::vector<OpenedSession>* held) {
  for (std::uint32_t i = 0; i < n; ++i) {
    OpenedSession s;
    ASSERT_EQ(core.Begin(gen, &s), Error::kSuccess) << "session " << i;
    held->push_back(s);
  }
}

// Starts an incarnation of `core` with capacity `capacity` and ceiling
// `ceiling`, and opens `open` sessions into *held. Returns the
// incarnation's generation.
template <class Core>
std::uint64_t StartWithOpen(Core& core, std::uint32_t capacity,
                            std::uint32_t ceiling, std::uint32_t open,
                            std::vector<OpenedSession>* held) {
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(capacity, false, ceiling), Error::kSuccess);
  OpenSessions(core, gen, open, held);
  return gen;
}

// Ends every session of `held`, then terminates the incarnation.
template <class Core>
void EndAllThenTerminate(Core& core, const std::vector<OpenedSession>& held) {
  for (const OpenedSession& s : held) {
    EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  }
  Terminate(core);
}

// Starts an incarnation of `core` with capacity 4 (ceiling 8), opens four
// sessions into *held and shrinks the capacity to `capacity`: a debt of
// 4 - capacity. Returns the incarnation's generation.
template <class Core>
std::uint64_t FourOpenThenShrink(Core& core, std::uint32_t capacity,
                                 std::vector<OpenedSession>* held) {
  const std::uint64_t gen = StartWithOpen(core, 4, 8, 4, held);
  core.Resize(capacity);
  return gen;
}

// What a Begin answered after each End, with four sessions open and the
// capacity shrunk to 2: the Ends pay the debt (2) before any room opens.
struct ShrinkSeen {
  Error after_shrink = Error::kSuccess;
  Error after_first_end = Error::kSuccess;
  Error after_second_end = Error::kSuccess;
  Error after_third_end = Error::kSuccess;
  std::uint32_t count_at_end = 0;
};

template <Mutation M>
ShrinkSeen ShrinkBelowTheOpenCount() {
  using Core = InstanceCore<ResizePolicy<M>>;
  Core core;
  ShrinkSeen seen;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = FourOpenThenShrink(core, 2, &held);
  OpenedSession extra;
  seen.after_shrink = core.Begin(gen, &extra);
  EXPECT_EQ(core.End(held[0].slot, held[0].gen), Error::kSuccess);
  seen.after_first_end = core.Begin(gen, &extra);
  EXPECT_EQ(core.End(held[1].slot, held[1].gen), Error::kSuccess);
  seen.after_second_end = core.Begin(gen, &extra);
  if (seen.after_second_end == Error::kSuccess) {
    EXPECT_EQ(core.End(extra.slot, extra.gen), Error::kSuccess);
  }
  EXPECT_EQ(core.End(held[2].slot, held[2].gen), Error::kSuccess);
  seen.after_third_end = core.Begin(gen, &extra);
  seen.count_at_end = CountOf(core, gen);
  Terminate(core);
  return seen;
}

TEST(SlotPoolResizeTest, EndsPayTheDebtOfAShrinkBelowTheOpenCount) {
  const ShrinkSeen seen = ShrinkBelowTheOpenCount<Mutation::kNone>();
  EXPECT_EQ(seen.after_shrink, Error::kOutOfSessions);     // 4 open, capacity 2
  EXPECT_EQ(seen.after_first_end, Error::kOutOfSessions);  // 3 open
  EXPECT_EQ(seen.after_second_end, Error::kOutOfSessions);  // 2 open
  EXPECT_EQ(seen.after_third_end, Error::kSuccess);         // 1 open
  EXPECT_EQ(seen.count_at_end, 2U);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesShrinkForgettingTheDebt) {
  const ShrinkSeen seen =
      ShrinkBelowTheOpenCount<Mutation::kShrinkForgetsDebt>();
  // Three open on capacity 2, and yet a Begin gets a session.
  EXPECT_EQ(seen.after_first_end, Error::kSuccess);
}
#endif  // JETSESSION_MUTANT_TESTS

// What a Begin on a full word answered after a grow that opened room in
// another word, and whether a waiter queued before the grow was served.
struct GrowSeen {
  Error before_grow = Error::kSuccess;
  Error after_grow = Error::kSuccess;
  Error waiter = Error::kSuccess;
  Error after_waiter = Error::kSuccess;
};

template <Mutation M>
GrowSeen GrowAFullPool() {
  using Core = InstanceCore<ResizePolicy<M>>;
  // This thread's claims start in word 0 (its hint may be left elsewhere by
  // an earlier test).
  ResizePolicy<M>::SetHint(0);
  Core core;
  GrowSeen seen;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(
      core, 32, 64, 32, &held);  // word 0 full: this thread's hint
  OpenedSession extra;
  seen.before_grow = core.Begin(gen, &extra);  // proves the pool full
  // Grow by one: the new slot lies in word 1, past the hint's full word.
  core.Resize(33);
  seen.after_grow = core.Begin(gen, &extra);
  if (seen.after_grow == Error::kSuccess) held.push_back(extra);
  // Full again: a waiter queues, and the next grow is its.
  std::atomic<bool> waiter_done{false};
  OpenedSession w;  // the waiter's session, ended below
  std::thread waiter([&] {
    // The mutant never serves it: it times out sooner.
    const auto wait = M == Mutation::kNone ? std::chrono::seconds(10)
                                           : std::chrono::seconds(1);
    seen.waiter = core.BeginWait(gen, &w, Core::WaitClock::now() + wait);
    waiter_done.store(true);
  });
  // (A mutant may leave room that the waiter takes without queueing.)
  while ((core.Waiting() == 0 || core.QueuedTickets() == 0) &&
         !waiter_done.load()) {
    std::this_thread::yield();
  }
  core.Resize(34);
  // The waiter has the room once the grow has returned: it holds it.
  seen.after_waiter = core.Begin(gen, &extra);
  if (seen.after_waiter == Error::kSuccess) held.push_back(extra);
  waiter.join();
  if (seen.waiter == Error::kSuccess) held.push_back(w);
  EndAllThenTerminate(core, held);
  return seen;
}

TEST(SlotPoolResizeTest, AGrowClearsTheFullFlagAndServesTheWaiterFirst) {
  const GrowSeen seen = GrowAFullPool<Mutation::kNone>();
  EXPECT_EQ(seen.before_grow, Error::kOutOfSessions);
  EXPECT_EQ(seen.after_grow, Error::kSuccess);
  EXPECT_EQ(seen.after_waiter, Error::kOutOfSessions);
  EXPECT_EQ(seen.waiter, Error::kSuccess);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesGrowLeavingTheFullFlag) {
  const GrowSeen seen = GrowAFullPool<Mutation::kGrowLeavesFullFlag>();
  // Room free after the grow, and yet OutOfSessions (what the waiter then
  // gets depends on where its own claims search).
  EXPECT_EQ(seen.after_grow, Error::kOutOfSessions);
}
#endif  // JETSESSION_MUTANT_TESTS

// A policy whose grow stops, once armed, right after its linearization
// point (before it decides its units for the waiters), until the test
// lets it go: nobody may wait for it meanwhile. With `kAlerts` false the
// grow wakes no waiter (as if the woken waiters stayed descheduled): its
// units reach them through other callers.
template <Mutation M, bool kAlerts = false>
struct StoppedGrowPolicy : WaitCountingAtomics {
  static constexpr Mutation kMutation = M;
  static constexpr bool kGrowAlertsWaiters = kAlerts;
  static inline std::atomic<bool> armed{false};
  static inline std::atomic<bool> stopped{false};
  static inline std::atomic<bool> go{false};
  static void Reset() {
    armed.store(false);
    stopped.store(false);
    go.store(false);
  }
  static void AfterGrowTakesEffect() noexcept {
    if (!armed.exchange(false)) return;
    stopped.store(true);
    while (!go.load()) std::this_thread::yield();
  }
};

// Starts a thread on `core`: a wait until `wait` from now, its answer in
// *answer, then *done set.
template <class Core>
std::thread StartTimedWaiter(Core& core, std::uint64_t gen, OpenedSession* s,
                             std::chrono::milliseconds wait, Error* answer,
                             std::atomic<bool>* done) {
  return std::thread([&core, gen, s, wait, answer, done] {
    *answer = core.BeginWait(gen, s, Core::WaitClock::now() + wait);
    done->store(true);
  });
}

// StartTimedWaiter(), then waits until `tickets` are queued and the waiter
// sleeps (its policy counts its waits: WaitCountingAtomics), or the waiter has
// returned.
template <class Core>
std::thread StartQueuedWaiter(Core& core, std::uint64_t gen, OpenedSession* s,
                              std::chrono::milliseconds wait, Error* answer,
                              std::atomic<bool>* done, std::uint32_t tickets) {
  const int waits = g_waits_begun.load();
  std::thread waiter = StartTimedWaiter(core, gen, s, wait, answer, done);
  while ((core.QueuedTickets() < tickets || g_waits_begun.load() == waits) &&
         !done->load()) {
    std::this_thread::yield();
  }
  return waiter;
}

// What TimeoutBesideAStoppedGrow() saw.
struct GrowTimeoutSeen {
  bool queued = false;                     // both waiters held tickets
  bool answered_beside_grow = false;       // W2 returned, the grow stopped
  bool first_beside_grow = false;          // so did W1
  Error first = Error::kInvalidInstance;   // W1's answer
  Error second = Error::kInvalidInstance;  // W2's answer
};

// A waiter whose deadline passes beside a grow's units decides them for
// the waiters, oldest first, whoever the grower is: the grower stops for
// good right after its linearization point. Capacity 2 (ceiling 4), both
// open; W1 waits with no deadline, then W2 with a short one; the pool
// grows to 4. W2's deadline passes: a capacity of 4 is in force and two
// units are left for the two waiters, so W2 may not answer OutOfSessions.
// It decides the first unit for W1 (and delivers it) and the second for
// itself, while the grower stays stopped. The mutant kLeaveIgnoresGrow
// answers OutOfSessions beside the units.
template <Mutation M>
GrowTimeoutSeen TimeoutBesideAStoppedGrow() {
  using Policy = StoppedGrowPolicy<M>;
  using Core = InstanceCore<Policy>;
  Policy::Reset();
  GrowTimeoutSeen seen;
  Core core;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(core, 2, 4, 2, &held);
  OpenedSession w1;
  std::atomic<bool> first_done{false};
  std::thread first = StartQueuedWaiter(core, gen, &w1, std::chrono::hours(1),
                                        &seen.first, &first_done, 1);
  OpenedSession w2;
  std::atomic<bool> second_done{false};
  std::thread second =
      StartQueuedWaiter(core, gen, &w2, std::chrono::milliseconds(100),
                        &seen.second, &second_done, 2);
  seen.queued = core.QueuedTickets() == 2;
  Policy::armed.store(true);
  std::thread resizer([&] { core.Resize(4); });
  while (!Policy::stopped.load()) std::this_thread::yield();
  // W2's deadline passes: it answers with the grower stopped, and so does
  // W1 unless W2 left it its unit (the mutant).
  const auto limit =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!(second_done.load() &&
           (first_done.load() || seen.second != Error::kSuccess)) &&
         std::chrono::steady_clock::now() < limit) {
    std::this_thread::yield();
  }
  seen.answered_beside_grow = second_done.load();
  seen.first_beside_grow = first_done.load();
  Policy::go.store(true);
  resizer.join();
  if (!first_done.load()) {
    // The mutant leaves W1's unit to the grower, which serves it now.
    while (!first_done.load()) std::this_thread::yield();
  }
  first.join();
  second.join();
  if (seen.first == Error::kSuccess) held.push_back(w1);
  if (seen.second == Error::kSuccess) held.push_back(w2);
  EndAllThenTerminate(core, held);
  return seen;
}

TEST(SlotPoolResizeTest, AWaiterTimingOutBesideAStoppedGrowGetsItsSlot) {
  const GrowTimeoutSeen seen = TimeoutBesideAStoppedGrow<Mutation::kNone>();
  EXPECT_TRUE(seen.queued);
  EXPECT_TRUE(seen.answered_beside_grow) << "W2 waited for the grower";
  EXPECT_TRUE(seen.first_beside_grow) << "W1 waited for the grower";
  EXPECT_EQ(seen.first, Error::kSuccess);
  EXPECT_EQ(seen.second, Error::kSuccess);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesLeaveIgnoringTheGrow) {
  const GrowTimeoutSeen seen =
      TimeoutBesideAStoppedGrow<Mutation::kLeaveIgnoresGrow>();
  EXPECT_TRUE(seen.queued);
  EXPECT_TRUE(seen.answered_beside_grow);
  EXPECT_EQ(seen.second, Error::kOutOfSessions);
}
#endif  // JETSESSION_MUTANT_TESTS

// What WaitersBesideAStoppedGrow() saw.
struct StoppedGrowWaitersSeen {
  bool queued = false;              // both waiters held tickets before the grow
  bool served_beside_grow = false;  // both returned, the grower stopped
  Error first = Error::kInvalidInstance;
  Error second = Error::kInvalidInstance;
};

// Waiters with no deadline are served beside a grower stopped for good
// right after its linearization point, with nobody else calling: the grow
// woke them before it took effect, and they make its room theirs. Capacity
// 1 (ceiling 3), open; W1 and W2 wait (an hour each); the pool grows to 3.
// The mutant kGrowWakesNobody leaves both asleep until the grower goes on.
template <Mutation M>
StoppedGrowWaitersSeen WaitersBesideAStoppedGrow() {
  using Policy = StoppedGrowPolicy<M, /*kAlerts=*/true>;
  using Core = InstanceCore<Policy>;
  Policy::Reset();
  StoppedGrowWaitersSeen seen;
  Core core;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(core, 1, 3, 1, &held);
  OpenedSession w1;
  OpenedSession w2;
  std::atomic<bool> first_done{false};
  std::atomic<bool> second_done{false};
  std::thread first = StartQueuedWaiter(core, gen, &w1, std::chrono::hours(1),
                                        &seen.first, &first_done, 1);
  std::thread second = StartQueuedWaiter(core, gen, &w2, std::chrono::hours(1),
                                         &seen.second, &second_done, 2);
  seen.queued = core.QueuedTickets() == 2;
  Policy::armed.store(true);
  std::thread grower([&] { core.Resize(3); });
  while (!Policy::stopped.load()) std::this_thread::yield();
  // The mutant never serves them before the grower goes on.
  const auto limit = std::chrono::steady_clock::now() +
                     (M == Mutation::kNone ? std::chrono::seconds(20)
                                           : std::chrono::seconds(1));
  while (!(first_done.load() && second_done.load()) &&
         std::chrono::steady_clock::now() < limit) {
    std::this_thread::yield();
  }
  seen.served_beside_grow = first_done.load() && second_done.load();
  Policy::go.store(true);
  grower.join();
  first.join();
  second.join();
  if (seen.first == Error::kSuccess) held.push_back(w1);
  if (seen.second == Error::kSuccess) held.push_back(w2);
  EndAllThenTerminate(core, held);
  return seen;
}

TEST(SlotPoolResizeTest, WaitersWithNoDeadlineAreServedBesideAStoppedGrow) {
  const StoppedGrowWaitersSeen seen =
      WaitersBesideAStoppedGrow<Mutation::kNone>();
  EXPECT_TRUE(seen.queued);
  EXPECT_TRUE(seen.served_beside_grow) << "the waiters waited for the grower";
  EXPECT_EQ(seen.first, Error::kSuccess);
  EXPECT_EQ(seen.second, Error::kSuccess);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesAGrowWakingNobody) {
  const StoppedGrowWaitersSeen seen =
      WaitersBesideAStoppedGrow<Mutation::kGrowWakesNobody>();
  EXPECT_TRUE(seen.queued);
  EXPECT_FALSE(seen.served_beside_grow);
  // Served once the grower goes on.
  EXPECT_EQ(seen.first, Error::kSuccess);
  EXPECT_EQ(seen.second, Error::kSuccess);
}
#endif  // JETSESSION_MUTANT_TESTS

// What EndBesideAStoppedGrow() saw.
struct EndBesideGrowSeen {
  bool queued = false;  // both waiters held tickets before the grow
  Error end = Error::kInvalidInstance;  // the End of the session open
  bool first_served = false;   // W1 had the End's slot, the grower stopped
  bool second_served = false;  // W2 had the grow's, the grower stopped
  Error first = Error::kInvalidInstance;
  Error second = Error::kInvalidInstance;
};

// A waiter that an End serves makes a grow serve the others before it
// returns: a grower stopped for good right after its linearization point
// woke the waiters its units would serve, and one of them may be served
// by an End instead. Capacity 1 (ceiling 2), open; W1 and W2 wait with no
// deadline; the pool grows to 2 and its grower stops, its wake-up lost (as
// if W1, the one it woke, stayed descheduled until the End). The session
// ends: its slot goes to W1, which decides the grow's unit for W2 before
// it returns. The mutant kReturnIgnoresGrow leaves W2 asleep beside the
// unit until the grower goes on.
template <Mutation M>
EndBesideGrowSeen EndBesideAStoppedGrow() {
  using Policy = StoppedGrowPolicy<M>;
  using Core = InstanceCore<Policy>;
  Policy::Reset();
  EndBesideGrowSeen seen;
  Core core;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(core, 1, 2, 1, &held);
  OpenedSession w1;
  OpenedSession w2;
  std::atomic<bool> first_done{false};
  std::atomic<bool> second_done{false};
  std::thread first = StartQueuedWaiter(core, gen, &w1, std::chrono::hours(1),
                                        &seen.first, &first_done, 1);
  std::thread second = StartQueuedWaiter(core, gen, &w2, std::chrono::hours(1),
                                         &seen.second, &second_done, 2);
  seen.queued = core.QueuedTickets() == 2;
  Policy::armed.store(true);
  std::thread grower([&] { core.Resize(2); });
  while (!Policy::stopped.load()) std::this_thread::yield();
  seen.end = core.End(held[0].slot, held[0].gen);
  held.clear();
  // The mutant never serves W2 before the grower goes on.
  PollUntil(
      M == Mutation::kNone ? std::chrono::seconds(5) : std::chrono::seconds(1),
      [&] { return first_done.load() && second_done.load(); });
  seen.first_served = first_done.load() && seen.first == Error::kSuccess;
  seen.second_served = second_done.load() && seen.second == Error::kSuccess;
  Policy::go.store(true);
  grower.join();
  first.join();
  second.join();
  if (seen.first == Error::kSuccess) held.push_back(w1);
  if (seen.second == Error::kSuccess) held.push_back(w2);
  EndAllThenTerminate(core, held);
  return seen;
}

TEST(SlotPoolResizeTest, AWaiterServedByAnEndServesTheOthersFromAStoppedGrow) {
  const EndBesideGrowSeen seen = EndBesideAStoppedGrow<Mutation::kNone>();
  EXPECT_TRUE(seen.queued);
  EXPECT_EQ(seen.end, Error::kSuccess);
  EXPECT_TRUE(seen.first_served) << "W1 did not get the End's slot";
  EXPECT_TRUE(seen.second_served) << "W2 slept beside the grow's room";
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesAReturnIgnoringTheGrow) {
  const EndBesideGrowSeen seen =
      EndBesideAStoppedGrow<Mutation::kReturnIgnoresGrow>();
  EXPECT_TRUE(seen.queued);
  EXPECT_TRUE(seen.first_served);
  EXPECT_FALSE(seen.second_served);
  // Served once the grower goes on.
  EXPECT_EQ(seen.second, Error::kSuccess);
}
#endif  // JETSESSION_MUTANT_TESTS

// What BeginBesideAStoppedGrow() saw.
struct StoppedGrowSeen {
  Error lone = Error::kInvalidInstance;    // a Begin with nobody waiting
  Error beside = Error::kInvalidInstance;  // a Begin beside a waiter
  bool waiter_served = false;              // the waiter had its session by then
  Error waiter = Error::kInvalidInstance;
};

// Begin is lock-free beside a grow: with the grower stopped for good right
// after its linearization point, a Begin takes a unit itself. Capacity 1
// (ceiling 3) with its session open. First the pool grows to 2 with
// nobody waiting: a Begin gets the new room. Then, full again, W waits
// with no deadline and the pool grows to 3: a Begin decides the unit for
// W (first come, first served), delivers it, and answers OutOfSessions;
// the mutant kTakePastWaiters takes the unit itself ahead of W.
template <Mutation M>
StoppedGrowSeen BeginBesideAStoppedGrow() {
  using Policy = StoppedGrowPolicy<M>;
  using Core = InstanceCore<Policy>;
  Policy::Reset();
  StoppedGrowSeen seen;
  Core core;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(core, 1, 3, 1, &held);
  OpenedSession s;
  EXPECT_EQ(core.Begin(gen, &s), Error::kOutOfSessions);
  Policy::armed.store(true);
  std::thread first_grow([&] { core.Resize(2); });
  while (!Policy::stopped.load()) std::this_thread::yield();
  seen.lone = core.Begin(gen, &s);
  if (seen.lone == Error::kSuccess) held.push_back(s);
  Policy::go.store(true);
  first_grow.join();
  Policy::Reset();
  OpenedSession w;
  std::atomic<bool> waiter_done{false};
  // The mutant never serves it: it times out sooner.
  const auto wait = M == Mutation::kNone ? std::chrono::milliseconds(5000)
                                         : std::chrono::milliseconds(500);
  std::thread waiter =
      StartQueuedWaiter(core, gen, &w, wait, &seen.waiter, &waiter_done, 1);
  Policy::armed.store(true);
  std::thread second_grow([&] { core.Resize(3); });
  while (!Policy::stopped.load()) std::this_thread::yield();
  seen.beside = core.Begin(gen, &s);
  if (seen.beside == Error::kSuccess) held.push_back(s);
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!waiter_done.load() && std::chrono::steady_clock::now() < limit) {
    std::this_thread::yield();
  }
  seen.waiter_served = waiter_done.load() && seen.waiter == Error::kSuccess;
  Policy::go.store(true);
  second_grow.join();
  waiter.join();
  if (seen.waiter == Error::kSuccess) held.push_back(w);
  EndAllThenTerminate(core, held);
  return seen;
}

TEST(SlotPoolResizeTest, ABeginBesideAStoppedGrowTakesItsUnitAfterTheWaiters) {
  const StoppedGrowSeen seen = BeginBesideAStoppedGrow<Mutation::kNone>();
  EXPECT_EQ(seen.lone, Error::kSuccess) << "no room from a stopped grow";
  EXPECT_EQ(seen.beside, Error::kOutOfSessions);
  EXPECT_TRUE(seen.waiter_served) << "the waiter waited for the grower";
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesTakingAUnitPastTheWaiters) {
  const StoppedGrowSeen seen =
      BeginBesideAStoppedGrow<Mutation::kTakePastWaiters>();
  EXPECT_EQ(seen.beside, Error::kSuccess);
  EXPECT_FALSE(seen.waiter_served);
}
#endif  // JETSESSION_MUTANT_TESTS

// A shrink while an End hands its slot over: the End read the flag before
// the shrink's owing bit, took its bit back for the queue's next ticket,
// and finds that waiter gone (held here, at the cell's store, with its bit
// set). The shrink returns without waiting for that End, which then frees
// its slot with a debt owed, without paying: the next Begin, in a word
// hinted for the debt, pays with that free slot and answers OutOfSessions
// (the mutant's claim ignores the debt and takes it: a Begin beyond the
// capacity). (Found by the stress tool's resize scenario.) Two
// waiters queue behind sessions a and b: the first without a deadline, the
// second with a short one, which times out behind the first (its ticket
// stays in the queue). The End of a serves the first waiter; the End of b
// takes the second's ticket, finds it cancelled, and is held as it readies
// the cell.
template <Mutation M>
Error BeginAfterAShrinkBesideAHandOff() {
  using Core = InstanceCore<WrappedPolicy<CellHookAtomic, M>>;
  Core core;
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(2, false, 4), Error::kSuccess);
  OpenedSession a;
  OpenedSession b;
  EXPECT_EQ(core.Begin(gen, &a), Error::kSuccess);
  EXPECT_EQ(core.Begin(gen, &b), Error::kSuccess);
  std::atomic<bool> paused{false};
  std::atomic<bool> go{false};
  std::atomic<bool> start_end{false};
  std::atomic<bool> ended{false};
  // The ender's hook is read by the ender only: it sets it between its
  // two Ends. `on` is set before the other threads start.
  std::thread ender([&] {
    while (!start_end.load()) std::this_thread::yield();
    EXPECT_EQ(core.End(a.slot, a.gen), Error::kSuccess);  // to the first
    CellHook::before_store = [&] {
      paused.store(true);
      while (!go.load()) std::this_thread::yield();
    };
    EXPECT_EQ(core.End(b.slot, b.gen), Error::kSuccess);  // passes over
    ended.store(true);
  });
  CellHook::on = ender.get_id();
  OpenedSession first;
  std::thread first_waiter([&] {
    EXPECT_EQ(core.BeginWait(gen, &first, Core::WaitClock::time_point::max()),
              Error::kSuccess);
  });
  while (core.QueuedTickets() != 1) std::this_thread::yield();
  std::thread second_waiter([&] {
    OpenedSession w;
    EXPECT_EQ(
        core.BeginWait(gen, &w,
                       Core::WaitClock::now() + std::chrono::milliseconds(20)),
        Error::kOutOfSessions);
  });
  second_waiter.join();
  EXPECT_EQ(core.QueuedTickets(), 2U) << "the second ticket was passed over";
  start_end.store(true);
  first_waiter.join();
  while (!paused.load() && !ended.load()) std::this_thread::yield();
  EXPECT_TRUE(paused.load()) << "the schedule did not run";
  std::atomic<bool> resized{false};
  std::thread resizer([&] {
    core.Resize(1);
    resized.store(true);
  });
  // The shrink waits for nobody: it returns with the End still held.
  PollUntil(std::chrono::seconds(10), [&] { return resized.load(); });
  EXPECT_TRUE(resized.load()) << "the shrink waited for the End";
  go.store(true);
  ender.join();
  resizer.join();
  CellHook::on = std::thread::id();
  CellHook::before_store = nullptr;
  OpenedSession extra;
  const Error begin = core.Begin(gen, &extra);  // first open, capacity 1
  if (begin == Error::kSuccess) {
    EXPECT_EQ(core.End(extra.slot, extra.gen), Error::kSuccess);
  }
  EXPECT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  Terminate(core);
  return begin;
}

TEST(SlotPoolResizeTest, ASlotFreedAfterAShrinkPaysItsDebt) {
  EXPECT_EQ(BeginAfterAShrinkBesideAHandOff<Mutation::kNone>(),
            Error::kOutOfSessions);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesClaimIgnoringTheDebt) {
  EXPECT_EQ(BeginAfterAShrinkBesideAHandOff<Mutation::kClaimIgnoresDebt>(),
            Error::kSuccess);
}
#endif  // JETSESSION_MUTANT_TESTS

// What was seen of a paying End's session (the End of `first` pays a unit
// of a shrink's debt) while that End is held just after its unit, and of
// the End of `second`, which pays too meanwhile.
struct PayingEndSeen {
  bool paused = false;                         // the schedule ran
  Error slot_of_paid = Error::kSuccess;        // JetExtGetSessionSlot's check
  Error call_on_paid = Error::kSuccess;        // a context call on it
  bool listed = false;                         // in the open-session report
  Error second_end = Error::kInvalidSesid;     // returned while the first waits
  Error slot_of_paid_after = Error::kSuccess;  // after the second's End
  std::uint32_t count_at_end = 0;
};

// Four sessions, the capacity shrunk to 1: a debt of 3 (no slot is free).
// The End of the first session is held just after the CAS that takes its
// unit: it has taken effect, its handle not yet marked stale. Then the End
// of the second pays too, finishing the first's payment on its way.
template <Mutation M>
PayingEndSeen PayingEndWindow() {
  using Core = InstanceCore<WrappedPolicy<AfterCasHookAtomic, M>>;
  Core core;
  PayingEndSeen seen;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = FourOpenThenShrink(core, 1, &held);
  const OpenedSession first = held[0];
  const OpenedSession second = held[1];
  std::atomic<bool> paused{false};
  std::atomic<bool> go{false};
  std::atomic<bool> start{false};
  std::thread ender([&] {
    while (!start.load()) std::this_thread::yield();
    EXPECT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  });
  // The unit's CAS writes the debt word with 2 units left and the first's
  // slot in an End's payment record (a pool word has its units bits set
  // past the ceiling, a control word of these generations no kind bits).
  AfterCasHook::after = [&](std::uint64_t value) {
    if (DebtWordBits::Units(value) != 2 ||
        DebtWordBits::KindOf(value) != DebtWordBits::Kind::kPayEnd ||
        DebtWordBits::SlotOf(value) != first.slot) {
      return false;
    }
    paused.store(true);
    while (!go.load()) std::this_thread::yield();
    return true;
  };
  AfterCasHook::on = ender.get_id();
  start.store(true);
  seen.paused =
      PollUntil(std::chrono::seconds(10), [&] { return paused.load(); });
  if (seen.paused) {
    seen.slot_of_paid = core.CheckOpen(first.slot, first.gen);
    seen.call_on_paid = core.ResetContext(first.slot, first.gen);
    EXPECT_EQ(core.OpenSessions(gen, 0,
                                [&](const auto& info) {
                                  if (info.slot == first.slot) {
                                    seen.listed = true;
                                  }
                                }),
              Error::kSuccess);
    seen.second_end = core.End(second.slot, second.gen);
    seen.slot_of_paid_after = core.CheckOpen(first.slot, first.gen);
  }
  go.store(true);
  ender.join();
  AfterCasHook::on = std::thread::id();
  AfterCasHook::after = nullptr;
  seen.count_at_end = CountOf(core, gen);
  for (std::size_t i = 2; i < held.size(); ++i) {
    EXPECT_EQ(core.End(held[i].slot, held[i].gen), Error::kSuccess);
  }
  // The debt is paid: the capacity 1 has room for one session, no more.
  OpenedSession extra;
  EXPECT_EQ(core.Begin(gen, &extra), Error::kSuccess);
  OpenedSession beyond;
  EXPECT_EQ(core.Begin(gen, &beyond), Error::kOutOfSessions);
  EXPECT_EQ(core.End(extra.slot, extra.gen), Error::kSuccess);
  Terminate(core);
  return seen;
}

// A paying End takes effect at its unit: from then on its session is not
// open to JetExtGetSessionSlot nor in the open-session report, although
// its slot's control word still reads open. The next payer does not wait
// for it: it finishes the payment (marks the slot) and pays its own.
TEST(SlotPoolResizeTest, APaidSessionIsNotOpenBeforeItsSlotIsMarked) {
  const PayingEndSeen seen = PayingEndWindow<Mutation::kNone>();
  ASSERT_TRUE(seen.paused) << "the schedule did not run";
  EXPECT_EQ(seen.slot_of_paid, Error::kInvalidSesid);
  EXPECT_EQ(seen.call_on_paid, Error::kInvalidSesid);
  EXPECT_FALSE(seen.listed);
  EXPECT_EQ(seen.second_end, Error::kSuccess);
  EXPECT_EQ(seen.slot_of_paid_after, Error::kInvalidSesid);
  EXPECT_EQ(seen.count_at_end, 2U);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesSlotIgnoringThePayer) {
  const PayingEndSeen seen = PayingEndWindow<Mutation::kSlotIgnoresPayer>();
  ASSERT_TRUE(seen.paused) << "the schedule did not run";
  EXPECT_EQ(seen.slot_of_paid, Error::kSuccess);
}

// A call that takes the session (here JetResetSessionContext) must agree
// with JetExtGetSessionSlot: once the paying End's unit is taken, the
// session has ended, though the End still holds it. (As the calls had it
// before, an outside attack saw InvalidSesid from the slot call and then
// SessionSharingViolation from the context call on the same handle.)
TEST(SlotPoolResizeTest, CatchesEnterIgnoringThePayer) {
  const PayingEndSeen seen = PayingEndWindow<Mutation::kEnterIgnoresPayer>();
  ASSERT_TRUE(seen.paused) << "the schedule did not run";
  EXPECT_EQ(seen.slot_of_paid, Error::kInvalidSesid);
  EXPECT_EQ(seen.call_on_paid, Error::kSessionSharingViolation);
}
#endif  // JETSESSION_MUTANT_TESTS

// A free that pays a shrink's debt without holding its session (a waiter
// that ends again a session it received and does not answer frees it as
// its control word reads, InstanceCore::EndPhantom()) marks its slot
// reserved all the same, so that a grow finds it and a claim takes its
// unit there. Returns whether the paid slot reads reserved once no session
// is open, and, if it does, how many claims a grow back to capacity 2 then
// lets through. (With kMarkOnlyHeld, as the first version of the payer's
// record had it, the slot stays open and out of every count: an outside
// attack found sessions nobody began and a capacity short after grows.
// Here its grow unit would find no reserved slot to open.)
struct FreeWithoutAHoldSeen {
  bool reserved = false;
  std::uint32_t claims = 0;
};
template <Mutation M>
FreeWithoutAHoldSeen ClaimsAfterAFreeWithoutAHoldPaid() {
  using Pool = SlotPool<ResizePolicy<M>>;
  constexpr auto kCurrent = [] { return true; };
  FreeWithoutAHoldSeen seen;
  auto pool = Pool::Create(2);
  EXPECT_NE(pool, nullptr);
  if (pool == nullptr) return seen;
  pool->Reset(2, 0);
  const ClaimResult a = pool->Claim(kCurrent);
  const ClaimResult b = pool->Claim(kCurrent);
  EXPECT_EQ(a.status, ClaimStatus::kClaimed);
  EXPECT_EQ(b.status, ClaimStatus::kClaimed);
  pool->Resize(1);
  EXPECT_EQ(pool->Debt(), 1U);
  pool->Free(a.slot, pool->LoadControl(a.slot));  // no hold
  EXPECT_EQ(pool->Debt(), 0U);
  EXPECT_EQ(pool->CountClaimed(), 1U);
  const std::uint64_t control = pool->LoadControl(b.slot);
  EXPECT_TRUE(pool->TryEnterCall(b.slot, control));
  pool->Free(b.slot, control);
  seen.reserved = Pool::IsReserved(pool->LoadControl(a.slot));
  if (!seen.reserved) return seen;
  pool->Resize(2);
  while (pool->Claim(kCurrent).status == ClaimStatus::kClaimed) ++seen.claims;
  return seen;
}

TEST(SlotPoolResizeTest, AFreeWithoutAHoldPaysWithItsSlot) {
  const FreeWithoutAHoldSeen seen =
      ClaimsAfterAFreeWithoutAHoldPaid<Mutation::kNone>();
  EXPECT_TRUE(seen.reserved);
  EXPECT_EQ(seen.claims, 2U);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesMarkingOnlyHeldSlots) {
  EXPECT_FALSE(
      ClaimsAfterAFreeWithoutAHoldPaid<Mutation::kMarkOnlyHeld>().reserved);
}
#endif  // JETSESSION_MUTANT_TESTS

// One thread, named by the test, stopped the first time it passes a hook
// until the test lets it go.
struct ThreadHold {
  std::atomic<std::thread::id> thread{};
  std::atomic<bool> stopped{false};
  std::atomic<bool> go{false};
  void AtHook() noexcept {
    if (thread.load() != std::this_thread::get_id() || stopped.exchange(true)) {
      return;
    }
    while (!go.load()) std::this_thread::yield();
  }
  void Reset() noexcept {
    stopped.store(false);
    go.store(false);
  }
};

// A policy that stops the shrink's resizer after it took effect (before
// it pays), and a payer thread inside its split (right before it sets the
// bit of the free slot it paid with: SetReservedBit()), each until the
// test lets it go.
template <Mutation M>
struct HeldPayerPolicy : WaitCountingAtomics {
  static constexpr Mutation kMutation = M;
  static inline std::atomic<bool> resizer_armed{false};
  static inline std::atomic<bool> resizer_stopped{false};
  static inline std::atomic<bool> resizer_go{false};
  static inline ThreadHold payer;
  static void AfterShrinkTakesEffect() noexcept {
    if (!resizer_armed.exchange(false)) return;
    resizer_stopped.store(true);
    while (!resizer_go.load()) std::this_thread::yield();
  }
  static void InsideSplit() noexcept { payer.AtHook(); }
  static void Reset() noexcept {
    resizer_armed.store(true);
    resizer_stopped.store(false);
    resizer_go.store(false);
    payer.Reset();
  }
};

// Runs `shrink` on a thread that HeldPayerPolicy stops right after the
// shrink takes effect, then `pay` (a claim that pays the debt with a free
// slot) on a thread it holds right before that slot's bit; lets the
// shrink go once the payer is held (or after 5 s). Returns the payer's
// thread (the caller lets it go: payer.go) and sets *held.
template <class Policy, class Shrink, class Pay>
std::thread HoldAPayer(Shrink&& shrink, Pay&& pay, bool* held) {
  std::thread resizer(std::forward<Shrink>(shrink));
  while (!Policy::resizer_stopped.load()) std::this_thread::yield();
  // `pay` is copied: the payer runs on after this returns.
  std::thread payer([pay = std::forward<Pay>(pay)] {
    Policy::payer.thread.store(std::this_thread::get_id());
    Policy::SetHint(0);
    pay();
  });
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!Policy::payer.stopped.load() &&
         std::chrono::steady_clock::now() < limit) {
    std::this_thread::yield();
  }
  *held = Policy::payer.stopped.load();
  Policy::resizer_go.store(true);
  resizer.join();
  return payer;
}

// What a grow unit's taker did beside a payer held before its bit.
struct HeldPayerSeen {
  bool payer_held = false;  // the schedule ran
  ClaimStatus taker = ClaimStatus::kStale;
  ClaimStatus payer = ClaimStatus::kStale;
  std::uint32_t count_with_payer = 0;
  std::uint32_t count_after_end = 0;
  std::uint32_t claims_at_rest = 0;
};

// A grow unit's taker that opens a reserved slot whose bit a payer left
// free sets the bit itself. Capacity 2 with A open; shrunk to 1 (a debt of
// 1), the resizer stopped before it pays; P's claim pays the debt with
// the free slot and is held right before it sets that slot's bit. The
// resizer ends; a grow back to 2 leaves a unit; a claim finds no free
// slot to claim (the reserved one reads busy) and takes the unit, opening
// the reserved slot, and its session ends. P goes on (its word changed,
// and its slot is no longer reserved: it leaves the bit) and claims the
// slot, now free: 2 open. Once P's session ends, 1 is open, and exactly
// one claim succeeds. With
// kUnreserveKeepsBit the taker leaves the bit free and takes the slot out
// of the reserved count instead: its End's free of a bit that is not set
// wrecks the word, and the count reads 0 with A open.
template <Mutation M>
HeldPayerSeen GrowUnitBesideAHeldPayer() {
  using Policy = HeldPayerPolicy<M>;
  using Pool = SlotPool<Policy>;
  constexpr auto kCurrent = [] { return true; };
  HeldPayerSeen seen;
  Policy::Reset();
  auto pool = Pool::Create(2);
  EXPECT_NE(pool, nullptr);
  if (pool == nullptr) return seen;
  pool->Reset(2, 0);
  Policy::SetHint(0);
  const ClaimResult a = pool->Claim(kCurrent);
  EXPECT_EQ(a.status, ClaimStatus::kClaimed);
  ClaimResult paid{};
  std::thread payer = HoldAPayer<Policy>([&] { pool->Resize(1); },
                                         [&] { paid = pool->Claim(kCurrent); },
                                         &seen.payer_held);
  pool->Resize(2);
  const ClaimResult taken = pool->Claim(kCurrent);
  seen.taker = taken.status;
  // (The count waits for P's split: it is read once P has gone on.)
  if (taken.status == ClaimStatus::kClaimed) {
    const std::uint64_t control = pool->LoadControl(taken.slot);
    EXPECT_TRUE(pool->TryEnterCall(taken.slot, control));
    pool->Free(taken.slot, control);
  }
  Policy::payer.go.store(true);
  payer.join();
  seen.payer = paid.status;
  seen.count_with_payer = pool->CountClaimed();
  if (paid.status == ClaimStatus::kClaimed) {
    const std::uint64_t control = pool->LoadControl(paid.slot);
    EXPECT_TRUE(pool->TryEnterCall(paid.slot, control));
    pool->Free(paid.slot, control);
  }
  seen.count_after_end = pool->CountClaimed();
  while (seen.claims_at_rest < 3 &&
         pool->Claim(kCurrent).status == ClaimStatus::kClaimed) {
    ++seen.claims_at_rest;
  }
  return seen;
}

TEST(SlotPoolResizeTest, AGrowUnitsTakerSetsTheBitAPayerLeftFree) {
  const HeldPayerSeen seen = GrowUnitBesideAHeldPayer<Mutation::kNone>();
  ASSERT_TRUE(seen.payer_held) << "the schedule did not run";
  EXPECT_EQ(seen.taker, ClaimStatus::kClaimed);
  EXPECT_EQ(seen.payer, ClaimStatus::kClaimed);
  EXPECT_EQ(seen.count_with_payer, 2U);
  EXPECT_EQ(seen.count_after_end, 1U);
  EXPECT_EQ(seen.claims_at_rest, 1U);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesUnreserveKeepingTheBit) {
  const HeldPayerSeen seen =
      GrowUnitBesideAHeldPayer<Mutation::kUnreserveKeepsBit>();
  ASSERT_TRUE(seen.payer_held) << "the schedule did not run";
  EXPECT_NE(seen.count_after_end, 1U);
}
#endif  // JETSESSION_MUTANT_TESTS

// HeldPayerPolicy that also stops the grower right after its CAS opened a
// grant's slot for the waiter (SlotPool::OpenGrant()). The grow wakes no
// waiter, and the test starts it once the waiter sleeps (its waits are
// counted: WaitCountingAtomics): else the waiter opens the grant itself, and
// the grower reaches no hook.
template <Mutation M>
struct HeldOpenerPolicy : HeldPayerPolicy<M> {
  static constexpr bool kGrowAlertsWaiters = false;
  static inline ThreadHold opener;
  static void AfterGrantOpens() noexcept { opener.AtHook(); }
  static void Reset() noexcept {
    HeldPayerPolicy<M>::Reset();
    opener.Reset();
  }
};

// What GrantBesideAHeldOpener() saw.
struct HeldOpenerSeen {
  bool payer_held = false;   // the payer stopped before the reserved bit
  bool opener_held = false;  // the grower stopped after its open CAS
  bool waiter_served = false;
  Error beside = Error::kInvalidInstance;  // a Begin that finished the grant
  Error waiter_end = Error::kInvalidInstance;
  Error payer = Error::kInvalidInstance;
  std::uint32_t count_at_rest = 0;  // A alone open
  std::uint32_t claims_at_rest = 0;
};

// A grant's slot holds its bit before any finisher can publish it, even
// where a payer left the bit free. Capacity 2 (ceiling 2) with A open;
// shrunk to 1, the resizer stopped before it pays; P's Begin pays the debt
// with the free slot and is held right before it sets that slot's bit. W
// waits; the pool grows back to 2 and the grower decides the unit for W,
// marks the reserved slot and commits it, and stops right after its CAS
// that opens it. A Begin finishes the grant (it publishes it: W has its
// session) and answers OutOfSessions; W ends its session. Then everybody
// goes on: A alone is open, and exactly one Begin succeeds. With
// kGrantSkipsBit the grower marks the slot with its bit free: W's End frees
// a bit that is not set, which wrecks the word.
template <Mutation M>
HeldOpenerSeen GrantBesideAHeldOpener() {
  using Policy = HeldOpenerPolicy<M>;
  using Core = InstanceCore<Policy>;
  Policy::Reset();
  HeldOpenerSeen seen;
  Core core;
  Policy::SetHint(0);
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(core, 2, 2, 1, &held);
  OpenedSession paid;
  std::thread payer = HoldAPayer<Policy>(
      [&] { core.Resize(1); }, [&] { seen.payer = core.Begin(gen, &paid); },
      &seen.payer_held);
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  OpenedSession w;
  Error waiter_answer = Error::kInvalidInstance;
  std::atomic<bool> waiter_done{false};
  std::thread waiter =
      StartQueuedWaiter(core, gen, &w, std::chrono::milliseconds(5000),
                        &waiter_answer, &waiter_done, 1);
  std::thread grow([&] {
    Policy::opener.thread.store(std::this_thread::get_id());
    core.Resize(2);
  });
  while (!Policy::opener.stopped.load() &&
         std::chrono::steady_clock::now() < limit) {
    std::this_thread::yield();
  }
  seen.opener_held = Policy::opener.stopped.load();
  OpenedSession s;
  seen.beside = core.Begin(gen, &s);
  if (seen.beside == Error::kSuccess) held.push_back(s);
  while (!waiter_done.load() && std::chrono::steady_clock::now() < limit) {
    std::this_thread::yield();
  }
  seen.waiter_served = waiter_done.load() && waiter_answer == Error::kSuccess;
  if (seen.waiter_served) seen.waiter_end = core.End(w.slot, w.gen);
  Policy::opener.go.store(true);
  grow.join();
  Policy::payer.go.store(true);
  payer.join();
  waiter.join();
  if (!seen.waiter_served && waiter_answer == Error::kSuccess) {
    held.push_back(w);
  }
  if (seen.payer == Error::kSuccess) {
    EXPECT_EQ(core.End(paid.slot, paid.gen), Error::kSuccess);
  }
  seen.count_at_rest = CountOf(core, gen);
  for (OpenedSession extra;
       seen.claims_at_rest < 3 && core.Begin(gen, &extra) == Error::kSuccess;) {
    held.push_back(extra);
    ++seen.claims_at_rest;
  }
  // The mutant's wrecked word holds a slot that reads claimed and not open
  // for good, which JetTerm's drain would wait for: it is not terminated.
  if (M == Mutation::kNone) EndAllThenTerminate(core, held);
  return seen;
}

TEST(SlotPoolResizeTest, AGrantsSlotHoldsItsBitBeforeItIsPublished) {
  const HeldOpenerSeen seen = GrantBesideAHeldOpener<Mutation::kNone>();
  ASSERT_TRUE(seen.payer_held) << "the schedule did not run";
  ASSERT_TRUE(seen.opener_held) << "the schedule did not run";
  EXPECT_EQ(seen.beside, Error::kOutOfSessions);
  EXPECT_TRUE(seen.waiter_served) << "the Begin did not publish the grant";
  EXPECT_EQ(seen.waiter_end, Error::kSuccess);
  EXPECT_EQ(seen.count_at_rest, 1U);
  EXPECT_EQ(seen.claims_at_rest, 1U);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesAGrantSkippingTheBit) {
  const HeldOpenerSeen seen =
      GrantBesideAHeldOpener<Mutation::kGrantSkipsBit>();
  ASSERT_TRUE(seen.payer_held) << "the schedule did not run";
  ASSERT_TRUE(seen.opener_held) << "the schedule did not run";
  EXPECT_FALSE(seen.count_at_rest == 1U && seen.claims_at_rest == 1U);
}
#endif  // JETSESSION_MUTANT_TESTS

// A policy that holds one thread, named by the test, in its first wake
// after it opened a grant's slot (SlotPool::OpenGrant()): the wake that
// follows its publication of the grant (WaitQueue::PublishGrant()), until
// the test lets it go. The grow wakes no waiter, so a waiter that sleeps
// before it sleeps until a grant's publication wakes it.
template <Mutation M>
struct HeldWakerPolicy : WaitCountingAtomics {
  static constexpr Mutation kMutation = M;
  static constexpr bool kGrowAlertsWaiters = false;
  static inline ThreadHold waker;
  static inline std::atomic<bool> opened{false};
  static void AfterGrantOpens() noexcept {
    if (waker.thread.load() == std::this_thread::get_id()) opened.store(true);
  }
  static void WakeAll(std::atomic<std::uint32_t>& word) noexcept {
    if (opened.load()) waker.AtHook();
    WaitCountingAtomics::WakeAll(word);
  }
  static void Reset() noexcept {
    waker.Reset();
    opened.store(false);
  }
};

// What GrantBesideAHeldWaker() saw.
struct HeldWakerSeen {
  bool waker_held = false;     // the grower stopped before its wake
  bool waiter_served = false;  // W had its session, the grower stopped
  Error beside = Error::kInvalidInstance;  // the Begin that ended the record
  Error waiter = Error::kInvalidInstance;
};

// A waiter asleep since before its grant's commit is woken by whoever ends
// the grant's record, when the finisher that published the grant stopped
// before its wake. Capacity 1 (ceiling 2) with A open; W waits with no
// deadline and sleeps; the pool grows to 2, waking no waiter, and the
// grower decides the unit for W, commits a slot, opens it, publishes the
// grant and stops right before its wake. A Begin finds the record pending
// and the grant published: it wakes W, ends the record and answers
// OutOfSessions. W returns with its session while the grower stays
// stopped. With kOnlyPublisherWakes the Begin ends the record without the
// wake, and W sleeps until the grower goes on.
template <Mutation M>
HeldWakerSeen GrantBesideAHeldWaker() {
  using Policy = HeldWakerPolicy<M>;
  using Core = InstanceCore<Policy>;
  Policy::Reset();
  HeldWakerSeen seen;
  Core core;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(core, 1, 2, 1, &held);
  OpenedSession w;
  std::atomic<bool> waiter_done{false};
  std::thread waiter = StartQueuedWaiter(core, gen, &w, std::chrono::hours(1),
                                         &seen.waiter, &waiter_done, 1);
  std::thread grow([&] {
    Policy::waker.thread.store(std::this_thread::get_id());
    core.Resize(2);
  });
  seen.waker_held = PollUntil(std::chrono::seconds(5),
                              [] { return Policy::waker.stopped.load(); });
  OpenedSession s;
  seen.beside = core.Begin(gen, &s);
  if (seen.beside == Error::kSuccess) held.push_back(s);
  // The mutant never wakes W before the grower goes on.
  PollUntil(
      M == Mutation::kNone ? std::chrono::seconds(5) : std::chrono::seconds(1),
      [&] { return waiter_done.load(); });
  seen.waiter_served = waiter_done.load() && seen.waiter == Error::kSuccess;
  Policy::waker.go.store(true);
  grow.join();
  waiter.join();
  if (seen.waiter == Error::kSuccess) held.push_back(w);
  EndAllThenTerminate(core, held);
  return seen;
}

TEST(SlotPoolResizeTest, AGrantPublishedByAStoppedFinisherWakesItsWaiter) {
  const HeldWakerSeen seen = GrantBesideAHeldWaker<Mutation::kNone>();
  ASSERT_TRUE(seen.waker_held) << "the schedule did not run";
  EXPECT_EQ(seen.beside, Error::kOutOfSessions);
  EXPECT_TRUE(seen.waiter_served) << "the waiter slept beside its session";
  EXPECT_EQ(seen.waiter, Error::kSuccess);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesOnlyThePublisherWaking) {
  const HeldWakerSeen seen =
      GrantBesideAHeldWaker<Mutation::kOnlyPublisherWakes>();
  ASSERT_TRUE(seen.waker_held) << "the schedule did not run";
  EXPECT_FALSE(seen.waiter_served);
  // Served once the grower goes on.
  EXPECT_EQ(seen.waiter, Error::kSuccess);
}
#endif  // JETSESSION_MUTANT_TESTS

// Where StoppedResizerPolicy stops the resizer.
enum class ShrinkStop {
  kBeforeEffect,  // its words hinted, its debt not yet added
  kAfterEffect,   // its debt added, nothing paid
};

// A policy whose shrink stops at `where` until the test lets it go: the
// resizer of a stopped thread (SlotPool::Resize()). Each test that uses it
// gives its own `kTest`: the flags are the policy's statics, set for good
// once a test has let its resizer go.
template <Mutation M, ShrinkStop where, int kTest = 0>
struct StoppedResizerPolicy : StdAtomics {
  static constexpr Mutation kMutation = M;
  static inline std::atomic<bool> stopped{false};
  static inline std::atomic<bool> go{false};
  static void Stop() noexcept {
    stopped.store(true);
    while (!go.load()) std::this_thread::yield();
  }
  static void AfterShrinkHintsAWord() noexcept {
    if (where == ShrinkStop::kBeforeEffect) Stop();
  }
  static void AfterShrinkTakesEffect() noexcept {
    if (where == ShrinkStop::kAfterEffect) Stop();
  }
};

// What the client of NobodyWaitsForAStoppedShrink() saw.
struct StoppedShrinkSeen {
  bool finished = false;  // before the resizer went on
  std::vector<Error> answers;
  std::uint32_t count = 0;     // with the resizer stopped
  std::uint32_t capacity = 0;  // the stats', with the resizer stopped
};

// Nobody waits for a shrink (contract rule 5: Begin, Dup and End are
// lock-free): with the resizer stopped for good after it hinted the words
// (the first Begin makes the shrink take effect), or once it has taken
// effect, before it paid anything, Begins and Ends go on, pay the debt
// and answer exactly. Capacity 4 (ceiling 4), three open, shrunk to
// 2: a debt of 2. The first Begin pays a unit with the free slot and
// answers OutOfSessions (3 open, capacity 2); the first End pays the
// other unit with its slot; after the second End, a Begin succeeds (2
// open) and the next answers OutOfSessions. The stats then give the
// capacity those answers counted, 2, though the stopped resizer may not
// have stored it.
template <Mutation M, ShrinkStop where>
StoppedShrinkSeen BesideAStoppedShrink() {
  using Policy = StoppedResizerPolicy<M, where>;
  using Core = InstanceCore<Policy>;
  StoppedShrinkSeen seen;
  Core core;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(core, 4, 4, 3, &held);
  std::thread resizer([&] { core.Resize(2); });
  while (!Policy::stopped.load()) std::this_thread::yield();
  std::atomic<bool> done{false};
  std::thread client([&] {
    OpenedSession s;
    seen.answers.push_back(core.Begin(gen, &s));
    seen.answers.push_back(core.End(held[0].slot, held[0].gen));
    seen.answers.push_back(core.Begin(gen, &s));
    seen.answers.push_back(core.End(held[1].slot, held[1].gen));
    seen.answers.push_back(core.Begin(gen, &s));
    OpenedSession t;
    seen.answers.push_back(core.Begin(gen, &t));
    seen.answers.push_back(core.End(s.slot, s.gen));
    done.store(true);
  });
  PollUntil(M == Mutation::kNone ? std::chrono::milliseconds(10000)
                                 : std::chrono::milliseconds(300),
            [&] { return done.load(); });
  seen.finished = done.load();
  if (seen.finished) {
    EXPECT_EQ(core.Count(gen, &seen.count), Error::kSuccess);
    SessionStatsData stats;
    EXPECT_EQ(core.Stats(gen, &stats), Error::kSuccess);
    seen.capacity = stats.capacity;
  }
  Policy::go.store(true);
  client.join();
  resizer.join();
  EXPECT_EQ(core.End(held[2].slot, held[2].gen), Error::kSuccess);
  Terminate(core);
  return seen;
}

void ExpectExactBesideAStoppedShrink(const StoppedShrinkSeen& seen) {
  EXPECT_TRUE(seen.finished) << "a Begin or End waited for the resizer";
  EXPECT_EQ(seen.answers,
            (std::vector<Error>{Error::kOutOfSessions, Error::kSuccess,
                                Error::kOutOfSessions, Error::kSuccess,
                                Error::kSuccess, Error::kOutOfSessions,
                                Error::kSuccess}));
  EXPECT_EQ(seen.count, 1U) << "the count with the resizer stopped";
  EXPECT_EQ(seen.capacity, 2U)
      << "the stats' capacity with the resizer stopped, after OutOfSessions "
         "answers that counted 2";
}

TEST(SlotPoolResizeTest, NobodyWaitsForAShrinkStoppedBeforeItTakesEffect) {
  ExpectExactBesideAStoppedShrink(
      BesideAStoppedShrink<Mutation::kNone, ShrinkStop::kBeforeEffect>());
}

TEST(SlotPoolResizeTest, NobodyWaitsForAStoppedShrink) {
  ExpectExactBesideAStoppedShrink(
      BesideAStoppedShrink<Mutation::kNone, ShrinkStop::kAfterEffect>());
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesCapacityReadAsStored) {
  EXPECT_EQ((BesideAStoppedShrink<Mutation::kCapacityAsStored,
                                  ShrinkStop::kBeforeEffect>()
                 .capacity),
            4U);
}

TEST(SlotPoolResizeTest, CatchesShrinkHoldingClaims) {
  EXPECT_FALSE((BesideAStoppedShrink<Mutation::kShrinkHoldsClaims,
                                     ShrinkStop::kBeforeEffect>()
                    .finished));
}
#endif  // JETSESSION_MUTANT_TESTS

// A shrink takes effect only with every word hinted, whoever makes it take
// effect (SlotPool::HelpResize()). Capacity 64 (ceiling 64: two words),
// all open but slot 0 (word 0) and slots 32 and 33 (word 1), shrunk to 62
// (a debt of 2) by a resizer stopped after it hinted word 0 alone. A
// client that starts in word 0 helps the shrink take effect, then pays
// with slots 0 and 32 and claims 33: Success (62 open); its next Begin
// answers OutOfSessions. Returns the two answers.
template <Mutation M>
std::vector<Error> BeginsBesideAHalfHintedShrink() {
  using Policy = StoppedResizerPolicy<M, ShrinkStop::kBeforeEffect, 1>;
  using Core = InstanceCore<Policy>;
  Core core;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(core, 64, 64, 64, &held);
  std::vector<OpenedSession> kept;
  for (const OpenedSession& s : held) {
    if (s.slot == 0 || s.slot == 32 || s.slot == 33) {
      EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
    } else {
      kept.push_back(s);
    }
  }
  std::thread resizer([&] { core.Resize(62); });
  while (!Policy::stopped.load()) std::this_thread::yield();
  std::vector<Error> answers;
  std::vector<OpenedSession> begun(2);
  std::thread client([&] {
    Policy::SetHint(0);
    for (OpenedSession& s : begun) answers.push_back(core.Begin(gen, &s));
  });
  client.join();
  Policy::go.store(true);
  resizer.join();
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (answers[i] == Error::kSuccess) {
      EXPECT_EQ(core.End(begun[i].slot, begun[i].gen), Error::kSuccess);
    }
  }
  for (const OpenedSession& s : kept) {
    EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  }
  Terminate(core);
  return answers;
}

TEST(SlotPoolResizeTest, AHelpedShrinkHintsEveryWordFirst) {
  EXPECT_EQ(BeginsBesideAHalfHintedShrink<Mutation::kNone>(),
            (std::vector<Error>{Error::kSuccess, Error::kOutOfSessions}));
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesHelpSkippingHints) {
  EXPECT_EQ(BeginsBesideAHalfHintedShrink<Mutation::kHelpSkipsHints>(),
            (std::vector<Error>{Error::kSuccess, Error::kSuccess}));
}
#endif  // JETSESSION_MUTANT_TESTS

// A policy whose resizer stops after its first shrink's first hint, and
// whose helper stops right before its CAS that makes a shrink take effect,
// each once, until the test lets it go.
template <Mutation M>
struct StoppedHelperPolicy
    : StoppedResizerPolicy<M, ShrinkStop::kBeforeEffect, 2> {
  static inline std::atomic<bool> helper_stopped{false};
  static inline std::atomic<bool> helper_go{false};
  static void BeforeHelpTakesEffect() noexcept {
    if (helper_go.load()) return;
    helper_stopped.store(true);
    while (!helper_go.load()) std::this_thread::yield();
  }
};

// A helper stalled right before its CAS that makes a shrink take effect,
// while the owner shrinks and grows back 16 times (the debt word's 4-bit
// epoch wraps, and the grows cancel every debt), adds no debt when it
// wakes: the shrink's CAS steps the flag's epoch too. Capacity 64 (ceiling
// 64), all open, shrunk to 63 by a resizer stopped after its first hint; a
// client's Begin helps and stops at the CAS; the resizer finishes, then 15
// more rounds of 63 and 64 run; the client's Begin answers OutOfSessions.
// Then 3 sessions end: returns how many of 3 Begins succeed, each kept
// open (3: the capacity is 64; 2 if the helper added a debt).
template <Mutation M>
int BeginsAfterAHelperStalledAcrossShrinks() {
  using Policy = StoppedHelperPolicy<M>;
  using Core = InstanceCore<Policy>;
  Core core;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(core, 64, 64, 64, &held);
  std::thread resizer([&] { core.Resize(63); });
  while (!Policy::stopped.load()) std::this_thread::yield();
  Error helped = Error::kSuccess;
  std::thread client([&] {
    Policy::SetHint(0);
    OpenedSession s;
    helped = core.Begin(gen, &s);
  });
  while (!Policy::helper_stopped.load()) std::this_thread::yield();
  Policy::go.store(true);
  resizer.join();
  core.Resize(64);
  for (int round = 0; round < 15; ++round) {
    core.Resize(63);
    core.Resize(64);
  }
  Policy::helper_go.store(true);
  client.join();
  EXPECT_EQ(helped, Error::kOutOfSessions);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(core.End(held[i].slot, held[i].gen), Error::kSuccess);
  }
  std::vector<OpenedSession> begun(3);
  int succeeded = 0;
  for (OpenedSession& s : begun) {
    if (core.Begin(gen, &s) == Error::kSuccess) ++succeeded;
  }
  for (int i = 0; i < succeeded; ++i) {
    EXPECT_EQ(core.End(begun[i].slot, begun[i].gen), Error::kSuccess);
  }
  for (std::size_t i = 3; i < held.size(); ++i) {
    EXPECT_EQ(core.End(held[i].slot, held[i].gen), Error::kSuccess);
  }
  Terminate(core);
  return succeeded;
}

TEST(SlotPoolResizeTest, AHelperStalledAcrossShrinksAddsNoDebt) {
  EXPECT_EQ(BeginsAfterAHelperStalledAcrossShrinks<Mutation::kNone>(), 3);
}

#if JETSESSION_MUTANT_TESTS
TEST(SlotPoolResizeTest, CatchesHelpKeepingTheFlagEpoch) {
  EXPECT_EQ(
      BeginsAfterAHelperStalledAcrossShrinks<Mutation::kHelpKeepsFlagEpoch>(),
      2);
}
#endif  // JETSESSION_MUTANT_TESTS

// A policy of these tests that may reach into the pool
// (SetGenerationForTest()) and hook its 64-bit fetch_adds (AddHook).
struct TestAccessPolicy : WrappedPolicy<AddHookAtomic> {
  static constexpr bool kTestAccess = true;
};

// A paying End whose slot's generation has passed 2^42 moves the
// generation's high part out of its control word before it tags it
// (SlotPool::MarkPaying()): the stats' sum of generations still counts one
// step for the End, and the slot's next session carries the generation
// that follows.
TEST(SlotPoolResizeTest, APayerWhoseGenerationPassed2To42KeepsTheCounts) {
  using Pool = SlotPool<TestAccessPolicy>;
  constexpr auto kCurrent = [] { return true; };
  constexpr std::uint64_t kGen = (1ULL << 42U) + 6;
  auto pool = Pool::Create(2);
  ASSERT_NE(pool, nullptr);
  pool->Reset(2, 0);
  pool->SetGenerationForTest(0, kGen);
  pool->SetGenerationForTest(1, kGen);
  std::uint64_t steps_before = 0;
  std::uint32_t open = 0;
  pool->ScanSlots(&steps_before, &open);
  const ClaimResult a = pool->Claim(kCurrent);
  const ClaimResult b = pool->Claim(kCurrent);
  ASSERT_EQ(a.status, ClaimStatus::kClaimed);
  ASSERT_EQ(b.status, ClaimStatus::kClaimed);
  EXPECT_EQ(a.gen, static_cast<std::uint32_t>(kGen & Pool::kHandleGenMask));
  pool->Resize(1);
  ASSERT_EQ(pool->Debt(), 1U);
  const std::uint64_t control = pool->LoadControl(a.slot);
  ASSERT_TRUE(pool->TryEnterCall(a.slot, control, Pool::kEndHold));
  pool->Free(a.slot, control);
  EXPECT_EQ(pool->Debt(), 0U);
  EXPECT_EQ(pool->CountClaimed(), 1U);
  std::uint64_t steps = 0;
  pool->ScanSlots(&steps, &open);
  EXPECT_EQ(steps - steps_before, 1U);
  EXPECT_EQ(open, 1U);
  // The reserved slot keeps the low part of its next generation.
  EXPECT_EQ(Pool::HandleGenOf(pool->LoadControl(a.slot)),
            static_cast<std::uint32_t>((kGen + 1) & Pool::kHandleGenMask));
  pool->Resize(2);
  const ClaimResult again = pool->Claim(kCurrent);
  ASSERT_EQ(again.status, ClaimStatus::kClaimed);
  EXPECT_EQ(again.slot, a.slot);
  EXPECT_EQ(again.gen,
            static_cast<std::uint32_t>((kGen + 1) & Pool::kHandleGenMask));
  const std::uint64_t b_control = pool->LoadControl(b.slot);
  ASSERT_TRUE(pool->TryEnterCall(b.slot, b_control, Pool::kEndHold));
  pool->Free(b.slot, b_control);
  pool->ScanSlots(&steps, &open);
  EXPECT_EQ(steps - steps_before, 2U);
  EXPECT_EQ(open, 1U);
}

// A slot's generation has a high part when JetInit resets the pool, so the
// stats' base takes it in; then its session pays a debt, and its End moves
// the high part to the pool's carry. A stats read at each of the End's
// 64-bit RMWs must never see the word without the high part and the carry
// without it too: the count of steps would go below the base, wrap, and
// the stats' marks would keep the huge figure for good. (An outside attack
// saw cSessionsEnded 2^64 - 2^42 during the End and about 2^56 at rest.)
TEST(SlotPoolResizeTest, StatsReadWhileAPayerMovesItsGenerationStayExact) {
  using Core = InstanceCore<TestAccessPolicy>;
  Core core;
  std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(2, false, 2), Error::kSuccess);
  std::uint64_t state = 0;
  auto* pool = const_cast<Core::Pool*>(core.DebugPool(&state));
  ASSERT_NE(pool, nullptr);
  pool->SetGenerationForTest(0, (1ULL << 42U) + 5);
  pool->SetGenerationForTest(1, (1ULL << 42U) + 5);
  Terminate(core);
  gen = core.Create();
  ASSERT_EQ(core.Init(2, false, 2), Error::kSuccess);
  ASSERT_EQ(core.DebugPool(&state), pool);
  OpenedSession a;
  OpenedSession b;
  ASSERT_EQ(core.Begin(gen, &a), Error::kSuccess);
  ASSERT_EQ(core.Begin(gen, &b), Error::kSuccess);
  core.Resize(1);
  // At each RMW the End asks another thread for a stats read and waits
  // for it, or for 100 ms (a read that waits for the End's move to finish
  // finishes after it).
  std::atomic<int> asked{0};
  std::atomic<int> done{0};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> most_ended{0};
  std::atomic<std::uint64_t> most_begun{0};
  std::thread reader([&] {
    for (int next = 1;; ++next) {
      while (asked.load() < next) {
        if (stop.load()) return;
        std::this_thread::yield();
      }
      SessionStatsData d;
      if (core.Stats(gen, &d) == Error::kSuccess) {
        most_ended.store(std::max(most_ended.load(), d.ended));
        most_begun.store(std::max(most_begun.load(), d.begun));
      }
      done.store(next);
    }
  });
  AddHook::before = [&] {
    const int n = asked.fetch_add(1) + 1;
    PollUntil(std::chrono::milliseconds(100), [&] { return done.load() >= n; });
  };
  EXPECT_EQ(core.End(a.slot, a.gen), Error::kSuccess);
  AddHook::before = nullptr;
  const int reads = asked.load();
  PollUntil(std::chrono::seconds(10), [&] { return done.load() >= reads; });
  stop.store(true);
  reader.join();
  EXPECT_GT(reads, 1);
  EXPECT_LE(most_ended, 1U);
  EXPECT_LE(most_begun, 2U);
  SessionStatsData after;
  ASSERT_EQ(core.Stats(gen, &after), Error::kSuccess);
  EXPECT_EQ(after.ended, 1U);
  EXPECT_EQ(after.begun, 2U);
  EXPECT_EQ(after.open, 1U);
  EXPECT_EQ(core.End(b.slot, b.gen), Error::kSuccess);
  Terminate(core);
}

// While grows and shrinks come and go on a pool with no session, nothing
// may pass for a session: not a handle that names a slot's next generation
// (never issued), not an entry of the open-session report. (A first
// version marked a slot that a grow releases open under that generation:
// an outside attack ended such a handle with Success, after which the
// count was wrong and JetTerm never returned.)
TEST(SlotPoolResizeTest, NoSessionShowsWhileResizesComeAndGo) {
  using Core = InstanceCore<StdAtomics>;
  Core core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(0, false, 4), Error::kSuccess);
  std::atomic<bool> stop{false};
  std::thread resizer([&] {
    for (std::uint32_t i = 0; !stop.load(); ++i) core.Resize(i % 5);
  });
  int seen = 0;
  for (int round = 0; round < 20000; ++round) {
    // A fresh pool's slots are at generation 1: the next session's.
    for (std::uint32_t slot = 0; slot < 4; ++slot) {
      if (core.CheckOpen(slot, 1) == Error::kSuccess) ++seen;
    }
    ASSERT_EQ(core.OpenSessions(gen, 0, [&](const auto&) { ++seen; }),
              Error::kSuccess);
  }
  stop.store(true);
  resizer.join();
  EXPECT_EQ(seen, 0);
  core.Resize(4);
  EXPECT_EQ(CountOf(core, gen), 0U);
  Terminate(core);
}

// Exact at rest through a series of grows and shrinks, with sessions open:
// with k open and capacity n, the stats read n and exactly max(0, n - k)
// Begins succeed.
TEST(SlotPoolResizeTest, ExactAtRestThroughGrowsAndShrinks) {
  using Core = InstanceCore<StdAtomics>;
  Core core;
  std::vector<OpenedSession> held;
  const std::uint64_t gen = StartWithOpen(core, 10, 100, 10, &held);
  const std::uint32_t capacities[] = {100, 3, 50, 0, 64, 7, 7, 99, 1, 40};
  for (const std::uint32_t n : capacities) {
    core.Resize(n);
    SessionStatsData stats;
    ASSERT_EQ(core.Stats(gen, &stats), Error::kSuccess);
    ASSERT_EQ(stats.capacity, n);
    // End every other session held, then fill to the capacity.
    std::vector<OpenedSession> kept;
    for (std::size_t i = 0; i < held.size(); ++i) {
      if (i % 2 == 0) {
        ASSERT_EQ(core.End(held[i].slot, held[i].gen), Error::kSuccess);
      } else {
        kept.push_back(held[i]);
      }
    }
    held = kept;
    const auto open = static_cast<std::uint32_t>(held.size());
    ASSERT_EQ(CountOf(core, gen), open);
    const std::uint32_t room = n > open ? n - open : 0;
    OpenSessions(core, gen, room, &held);
    OpenedSession extra;
    ASSERT_EQ(core.Begin(gen, &extra), Error::kOutOfSessions)
        << "capacity " << n << ", " << held.size() << " open";
    std::vector<bool> used(100, false);
    for (const OpenedSession& s : held) {
      ASSERT_LT(s.slot, 100U);
      ASSERT_FALSE(used[s.slot]) << "slot " << s.slot << " twice";
      used[s.slot] = true;
    }
  }
  for (const OpenedSession& s : held) {
    ASSERT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  }
  core.Resize(100);
  OpenSessions(core, gen, 100, &held);
  EXPECT_EQ(CountOf(core, gen), 100U);
  Terminate(core);
}

// A policy that holds the thread inside a change in two steps (a reserved
// bit and its count) once armed, and counts the yields of the readers.
struct HeldSplitPolicy : StdAtomics {
  static inline std::atomic<bool> armed{false};
  static inline std::atomic<bool> held{false};
  static inline std::atomic<bool> go{false};
  static inline std::atomic<int> reader_yields{0};
  static inline thread_local bool tl_reader = false;
  static void InsideSplit() noexcept {
    if (!armed.exchange(false)) return;
    held.store(true);
    while (!go.load()) std::this_thread::yield();
  }
  static void Yield() noexcept {
    if (tl_reader) reader_yields.fetch_add(1);
    StdAtomics::Yield();
  }
};

// The count and the stats wait for a payer stopped between setting a
// reserved slot's bit and counting it, by sleeping, not by yielding the
// processor round and round: a reader beside a descheduled payer must not
// take a core. Capacity 2, none open; the shrink to 1 pays its unit with a
// free slot, and its thread is held in the split.
TEST(SlotPoolResizeTest, ReadersWaitForAHeldSplitWithoutSpinning) {
  using Policy = HeldSplitPolicy;
  using Core = InstanceCore<Policy>;
  Core core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(2, false, 2), Error::kSuccess);
  Policy::armed.store(true);
  std::thread resizer([&] { core.Resize(1); });
  ASSERT_TRUE(
      PollUntil(std::chrono::seconds(10), [&] { return Policy::held.load(); }));
  std::atomic<int> returned{0};
  std::uint32_t count = 99;
  SessionStatsData stats;
  std::thread counter([&] {
    Policy::tl_reader = true;
    EXPECT_EQ(core.Count(gen, &count), Error::kSuccess);
    returned.fetch_add(1);
  });
  std::thread stats_reader([&] {
    Policy::tl_reader = true;
    EXPECT_EQ(core.Stats(gen, &stats), Error::kSuccess);
    returned.fetch_add(1);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int yields = Policy::reader_yields.load();
  EXPECT_EQ(returned.load(), 0) << "a reader did not wait for the split";
  Policy::go.store(true);
  counter.join();
  stats_reader.join();
  resizer.join();
  // Each reader yields a few times (DrainPause()), then sleeps.
  EXPECT_LE(yields, 40) << "the readers spun beside the held payer";
  EXPECT_EQ(count, 0U);
  EXPECT_EQ(stats.open, 0U);
  EXPECT_EQ(stats.capacity, 1U);
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

}  // namespace
}  // namespace jetsession::internal
