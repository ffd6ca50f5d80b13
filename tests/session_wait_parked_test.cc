// White-box tests of the parked grants of the waiters' queue
// (session_wait_queue.h, "Parked grants"): a waiter handed a session that
// the scheduler has not run yet does not hold its cell against the ticket
// one ring later, and a cell never shows a lap again while a grant of that
// lap is parked.
//
// The tests hold chosen waiter threads just after a blocking wait returns
// (the policy's WaitWhile()), as a scheduler that leaves a woken thread off
// the processor, and run on a ring of 16 cells with 32 tickets, so that the
// ticket numbers come round after two laps, as the library's do.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <thread>

#include "atomics_hooks.h"
#include "gtest/gtest.h"
#include "instance_core.h"
#include "instance_core_test_util.h"

namespace jetsession::internal {
namespace {

// A waiter thread the test can hold: armed, it stops at the next return
// from a blocking wait until released.
struct Held {
  std::atomic<std::thread::id> thread{};
  std::atomic<int> phase{0};  // kFree, kArmed or kHolding
  std::atomic<int> waits{0};  // blocking waits begun
};
constexpr int kFree = 0;
constexpr int kArmed = 1;
constexpr int kHolding = 2;
Held g_held[2];

template <Mutation M>
struct HoldPolicy : WrappedPolicy<std::atomic, M> {
  static constexpr std::uint32_t kWaitCells = 16;
  static constexpr std::uint32_t kWaitTicketBits = 5;
  static void WaitWhile(std::atomic<std::uint32_t>& word,
                        std::uint32_t expected,
                        StdAtomics::WaitClock::time_point deadline) noexcept {
    Held* held = nullptr;
    for (Held& h : g_held) {
      if (h.thread.load() == std::this_thread::get_id()) held = &h;
    }
    if (held != nullptr) held->waits.fetch_add(1);
    StdAtomics::WaitWhile(word, expected, deadline);
    int armed = kArmed;
    if (held != nullptr &&
        held->phase.compare_exchange_strong(armed, kHolding)) {
      while (held->phase.load() == kHolding) std::this_thread::yield();
    }
  }
};

template <Mutation M>
using Core = InstanceCore<HoldPolicy<M>>;
using Clock = StdAtomics::WaitClock;

constexpr auto kLimit = std::chrono::seconds(10);

// Spins until `done()` or kLimit; returns done().
template <class F>
bool Await(F done) {
  const auto limit = Clock::now() + kLimit;
  while (!done() && Clock::now() < limit) std::this_thread::yield();
  return done();
}

// Waits that time out on the full `core` until the tail reads `tail`
// (modulo the 32 tickets): each takes a ticket and leaves, passed over.
template <class CoreT>
void AdvanceTo(CoreT& core, std::uint64_t gen, std::uint32_t tail) {
  for (int tries = 0; core.TicketsTaken() != tail && tries < 100'000; ++tries) {
    OpenedSession s;
    ASSERT_EQ(
        core.BeginWait(gen, &s, Clock::now() + std::chrono::microseconds(200)),
        Error::kOutOfSessions);
  }
  ASSERT_EQ(core.TicketsTaken(), tail);
}

// A waiter on `core` held by `held` at its first return from a blocking
// wait, with no deadline; `stop`, when not null, is its stop request;
// *result is its answer.
template <class CoreT>
std::thread StartHeld(CoreT& core, std::uint64_t gen, Held* held,
                      OpenedSession* s, Error* result,
                      typename CoreT::Stop* stop = nullptr) {
  held->waits.store(0);
  held->phase.store(kArmed);
  std::atomic<bool> registered{false};
  std::thread waiter([&core, gen, held, s, result, stop, &registered] {
    held->thread.store(std::this_thread::get_id());
    registered.store(true);
    *result = core.BeginWait(gen, s, Clock::time_point::max(), stop);
  });
  while (!registered.load()) std::this_thread::yield();
  return waiter;
}

// A waiter on `core` that is not held; *result is its answer. `stop`, when
// not null, is its stop request.
template <class CoreT>
std::thread StartWaiter(CoreT& core, std::uint64_t gen, OpenedSession* s,
                        Error* result, Clock::time_point deadline,
                        typename CoreT::Stop* stop = nullptr) {
  return std::thread([&core, gen, s, result, deadline, stop] {
    *result = core.BeginWait(gen, s, deadline, stop);
  });
}

// Serves held waiter `held`, once it holds the one ticket queued, with an
// End of `from`, and returns once it is held after the delivery.
template <class CoreT>
void ServeHeld(CoreT& core, Held& held, const OpenedSession& from) {
  ASSERT_TRUE(Await([&] { return core.QueuedTickets() == 1; }));
  ASSERT_TRUE(Await([&] { return held.waits.load() >= 1; }));
  ASSERT_EQ(core.End(from.slot, from.gen), Error::kSuccess);
  ASSERT_TRUE(Await([&] { return held.phase.load() == kHolding; }));
}

// Ends `sessions` on `core`; then no ticket is left, and exactly `room`
// sessions open (nothing lost).
template <class CoreT>
void EndAll(CoreT& core, std::uint64_t gen,
            std::initializer_list<OpenedSession> sessions, std::uint32_t room) {
  for (const OpenedSession& s : sessions) {
    EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  }
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ExpectRoomFor(core, gen, room);
}

void Release(Held& held) { held.phase.store(kFree); }

// Lets held waiter `held` run, its stop request `stop` marked first. A
// waiter looks at its cell before its stop request, so it takes the grant
// it has; one whose grant is lost (a mutant's) leaves the queue.
template <class StopT>
void StopAndRelease(Held& held, StopT* stop) {
  stop->Mark();
  Release(held);
}

void Forget(Held& held) {
  held.thread.store(std::thread::id());
  held.phase.store(kFree);
}

// With the tail at ticket 32 (0 modulo the 32 tickets), while S (held by
// g_held[0], with stop request `s_stop`) has not run: starts W3, which
// waits with no deadline until served or stopped by `w3_stop`, and looks
// until W3 has either taken ticket 32 or, finding cell 0 not free for it,
// joined the overflow list. No held thread runs meanwhile, so cell 0 does
// not change, and W3 stays where it is until S runs. Records in *queued
// whether W3 took ticket 32, then lets S run (StopAndRelease()), and joins
// it.
template <class CoreT>
std::thread ComeAtTicket32(CoreT& core, std::uint64_t gen, OpenedSession* w3,
                           Error* w3_result, typename CoreT::Stop* w3_stop,
                           std::thread* s_thread, typename CoreT::Stop* s_stop,
                           bool* queued) {
  std::thread w3_thread =
      StartWaiter(core, gen, w3, w3_result, Clock::time_point::max(), w3_stop);
  EXPECT_TRUE(Await([&] {
    return core.QueuedTickets() != 0 || core.ListedCallers() != 0;
  })) << "W3 neither took a ticket nor joined the overflow list";
  *queued = core.QueuedTickets() != 0;
  StopAndRelease(g_held[0], s_stop);
  s_thread->join();
  Forget(g_held[0]);
  return w3_thread;
}

// Requests the stop of W3 (see ComeAtTicket32()), which wakes it, and joins
// it. A waiter looks at its cell before its stop request, so a W3 that was
// served takes its grant; one that was not (a mutant's) leaves.
template <class CoreT>
void StopAndJoin(CoreT& core, std::uint64_t gen, typename CoreT::Stop* stop,
                 std::thread* waiter) {
  core.RequestStop(gen, stop);
  waiter->join();
}

// A stop request takes effect when its waiter looks at it, on the
// waiter's thread: a slot handed to the waiter before then is its, as to
// any waiter, in the order of the queue. Capacity 1, full: A waits with a
// stop request, B waits behind it. A's stop is requested, which wakes A,
// but A is held before it looks; then an End hands its slot to A, the
// oldest ticket. A, let go, takes that session (and its caller ends it);
// B keeps its place, and gets the session when A ends it. Nothing is lost.
TEST(SessionWaitParkedTest, AStopRequestLosesToAGrantMadeBeforeTheWaiterLooks) {
  Core<Mutation::kNone> core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  OpenedSession a;
  Error a_result = Error::kInvalidInstance;
  Core<Mutation::kNone>::Stop a_stop;
  std::thread a_thread =
      StartHeld(core, gen, &g_held[0], &a, &a_result, &a_stop);
  ASSERT_TRUE(Await([&] { return core.QueuedTickets() == 1; }));
  ASSERT_TRUE(Await([&] { return g_held[0].waits.load() >= 1; }));
  OpenedSession b;
  Error b_result = Error::kInvalidInstance;
  std::thread b_thread =
      StartWaiter(core, gen, &b, &b_result, Clock::time_point::max());
  ASSERT_TRUE(Await([&] { return core.QueuedTickets() == 2; }));
  // The request wakes A, which is held before it looks.
  core.RequestStop(gen, &a_stop);
  ASSERT_TRUE(Await([&] { return g_held[0].phase.load() == kHolding; }));
  // The End serves the oldest ticket, A's.
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  EXPECT_EQ(core.QueuedTickets(), 1U);
  Release(g_held[0]);
  a_thread.join();
  Forget(g_held[0]);
  ASSERT_EQ(a_result, Error::kSuccess);
  EXPECT_EQ(core.QueuedTickets(), 1U) << "B lost its place";
  ASSERT_EQ(core.End(a.slot, a.gen), Error::kSuccess);
  b_thread.join();
  ASSERT_EQ(b_result, Error::kSuccess);
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ASSERT_EQ(core.End(b.slot, b.gen), Error::kSuccess);
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

TEST(SessionWaitParkedTest, AServedWaiterNotYetRunLeavesItsCellToTheNextLap) {
  Core<Mutation::kNone> core;
  OpenedSession h1;
  OpenedSession h2;
  const std::uint64_t gen = StartTwoOpen(core, &h1, &h2);
  // S takes ticket 0 and is served, then held: its grant sits in cell 0.
  OpenedSession s;
  Error s_result = Error::kInvalidInstance;
  std::thread s_thread = StartHeld(core, gen, &g_held[0], &s, &s_result);
  ServeHeld(core, g_held[0], h1);
  // Tickets 1..15 time out; ticket 16 maps to cell 0 again.
  AdvanceTo(core, gen, 16);
  OpenedSession w1;
  OpenedSession w2;
  Error w1_result = Error::kInvalidInstance;
  Error w2_result = Error::kInvalidInstance;
  std::thread w1_thread =
      StartWaiter(core, gen, &w1, &w1_result, Clock::time_point::max());
  EXPECT_TRUE(Await([&] { return core.QueuedTickets() == 1; }))
      << "the waiter of ticket 16 found no room: S's grant holds cell 0";
  std::thread w2_thread =
      StartWaiter(core, gen, &w2, &w2_result, Clock::time_point::max());
  ASSERT_TRUE(Await([&] { return core.QueuedTickets() == 2; }));
  OpenedSession late;
  EXPECT_EQ(core.Begin(gen, &late), Error::kOutOfSessions);
  // First come, first served: W1 (ticket 16) before W2 (ticket 17).
  ASSERT_EQ(core.End(h2.slot, h2.gen), Error::kSuccess);
  w1_thread.join();
  EXPECT_EQ(w1_result, Error::kSuccess);
  EXPECT_EQ(core.QueuedTickets(), 1U) << "W2 was served with W1";
  // S runs at last and takes its parked grant: the session h1 had.
  Release(g_held[0]);
  s_thread.join();
  Forget(g_held[0]);
  ASSERT_EQ(s_result, Error::kSuccess);
  EXPECT_EQ(s.slot, h1.slot);
  EXPECT_NE(s.slot, w1.slot);
  ASSERT_EQ(core.End(w1.slot, w1.gen), Error::kSuccess);
  w2_thread.join();
  ASSERT_EQ(w2_result, Error::kSuccess);
  EndAll(core, gen, {s, w2}, 2);
  Terminate(core);
}

struct LapAfterNext {
  bool queued_while_parked = false;  // W3 took ticket 32 before S ran
  Error s_result = Error::kInvalidInstance;
};

// Capacity 2. S is served at ticket 0 and held; W1 takes ticket 16 (S's
// grant parked), is served and runs, which readies cell 0 for ticket 32:
// the lap of ticket 0. While S's grant is parked the cell must stay held,
// so W3, which comes for ticket 32, waits for it; once S has taken its
// grant, W3 queues and S's End serves it.
template <Mutation M>
LapAfterNext HoldTheLapAfterNext() {
  LapAfterNext seen;
  Core<M> core;
  OpenedSession h1;
  OpenedSession h2;
  const std::uint64_t gen = StartTwoOpen(core, &h1, &h2);
  OpenedSession s;
  typename Core<M>::Stop s_stop;
  std::thread s_thread =
      StartHeld(core, gen, &g_held[0], &s, &seen.s_result, &s_stop);
  ServeHeld(core, g_held[0], h1);
  AdvanceTo(core, gen, 16);
  OpenedSession w1;
  Error w1_result = Error::kInvalidInstance;
  std::thread w1_thread =
      StartWaiter(core, gen, &w1, &w1_result, Clock::time_point::max());
  EXPECT_TRUE(Await([&] { return core.QueuedTickets() == 1; }));
  EXPECT_EQ(core.End(h2.slot, h2.gen), Error::kSuccess);
  w1_thread.join();
  EXPECT_EQ(w1_result, Error::kSuccess);
  // Tickets 17..31 time out; the tail comes round to 0 (ticket 32).
  AdvanceTo(core, gen, 0);
  OpenedSession w3;
  Error w3_result = Error::kInvalidInstance;
  typename Core<M>::Stop w3_stop;
  std::thread w3_thread =
      ComeAtTicket32(core, gen, &w3, &w3_result, &w3_stop, &s_thread, &s_stop,
                     &seen.queued_while_parked);
  if (seen.s_result == Error::kSuccess) {
    EXPECT_TRUE(Await([&] { return core.QueuedTickets() == 1; }))
        << "W3 did not queue once S had taken its grant";
    EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  }
  StopAndJoin(core, gen, &w3_stop, &w3_thread);
  if constexpr (M == Mutation::kNone) {
    EXPECT_EQ(w3_result, Error::kSuccess);
    EXPECT_EQ(s.slot, h1.slot);
    EndAll(core, gen, {w3, w1}, 2);
  }
  Terminate(core);
  return seen;
}

TEST(SessionWaitParkedTest, AParkedGrantHoldsItsLapAfterNext) {
  const LapAfterNext seen = HoldTheLapAfterNext<Mutation::kNone>();
  EXPECT_FALSE(seen.queued_while_parked)
      << "ticket 32 was taken while ticket 0's grant was parked";
  EXPECT_EQ(seen.s_result, Error::kSuccess);
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionWaitParkedTest, CatchesReadyOverParked) {
  const LapAfterNext seen = HoldTheLapAfterNext<Mutation::kReadyOverParked>();
  EXPECT_TRUE(seen.queued_while_parked)
      << "the mutant's cell was not readied for ticket 32";
  EXPECT_NE(seen.s_result, Error::kSuccess)
      << "the mutant's S found its parked grant";
}
#endif  // JETSESSION_MUTANT_TESTS

struct TwoParked {
  bool queued_while_parked = false;  // W3 took ticket 32 before S ran
  Error s_result = Error::kInvalidInstance;
  Error w1_result = Error::kInvalidInstance;
  bool s_has_its_slot = false;
};

// Capacity 3. S is served at ticket 0 and held; W1 takes ticket 16 (S's
// grant parked), is served and held too: cell 0 holds W1's grant and the
// parked word S's. W3, which comes for ticket 32, must not park W1's grant
// over S's: it waits until one of them runs.
template <Mutation M>
TwoParked KeepOneGrantParked() {
  TwoParked seen;
  Core<M> core;
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(3), Error::kSuccess);
  OpenedSession h[3];
  for (OpenedSession& o : h) EXPECT_EQ(core.Begin(gen, &o), Error::kSuccess);
  OpenedSession s;
  typename Core<M>::Stop s_stop;
  std::thread s_thread =
      StartHeld(core, gen, &g_held[0], &s, &seen.s_result, &s_stop);
  ServeHeld(core, g_held[0], h[0]);
  AdvanceTo(core, gen, 16);
  OpenedSession w1;
  typename Core<M>::Stop w1_stop;
  std::thread w1_thread =
      StartHeld(core, gen, &g_held[1], &w1, &seen.w1_result, &w1_stop);
  ServeHeld(core, g_held[1], h[1]);
  AdvanceTo(core, gen, 0);
  OpenedSession w3;
  Error w3_result = Error::kInvalidInstance;
  typename Core<M>::Stop w3_stop;
  std::thread w3_thread =
      ComeAtTicket32(core, gen, &w3, &w3_result, &w3_stop, &s_thread, &s_stop,
                     &seen.queued_while_parked);
  seen.s_has_its_slot = seen.s_result == Error::kSuccess && s.slot == h[0].slot;
  StopAndRelease(g_held[1], &w1_stop);
  w1_thread.join();
  Forget(g_held[1]);
  if (seen.s_result == Error::kSuccess && seen.w1_result == Error::kSuccess) {
    EXPECT_NE(s.slot, w1.slot);
    EXPECT_TRUE(Await([&] { return core.QueuedTickets() == 1; }))
        << "W3 did not queue once W1 had taken its grant";
    EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  }
  StopAndJoin(core, gen, &w3_stop, &w3_thread);
  if constexpr (M == Mutation::kNone) {
    EXPECT_EQ(w3_result, Error::kSuccess);
    EndAll(core, gen, {w1, w3, h[2]}, 3);
  }
  Terminate(core);
  return seen;
}

TEST(SessionWaitParkedTest, ACellParksOneGrantAtATime) {
  const TwoParked seen = KeepOneGrantParked<Mutation::kNone>();
  EXPECT_FALSE(seen.queued_while_parked)
      << "ticket 32 was taken while two grants held cell 0";
  EXPECT_EQ(seen.s_result, Error::kSuccess);
  EXPECT_TRUE(seen.s_has_its_slot);
  EXPECT_EQ(seen.w1_result, Error::kSuccess);
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionWaitParkedTest, CatchesParkOverParked) {
  const TwoParked seen = KeepOneGrantParked<Mutation::kParkOverParked>();
  EXPECT_TRUE(seen.queued_while_parked)
      << "the mutant did not park the second grant";
  EXPECT_FALSE(seen.s_has_its_slot && seen.w1_result == Error::kSuccess)
      << "the mutant's waiters both found their own grants";
}
#endif  // JETSESSION_MUTANT_TESTS

}  // namespace
}  // namespace jetsession::internal
