// White-box tests of the waiters' queue (InstanceCore::BeginWait(), the
// pool's tickets and cells): first come, first served, and the tickets of
// waiters that left.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "atomics_hooks.h"
#include "gtest/gtest.h"
#include "instance_core.h"
#include "instance_core_test_util.h"

namespace jetsession::internal {
namespace {

using Core = InstanceCore<StdAtomics>;

// The library's policy with a ring of 16 cells, so that a test can hold
// more tickets than the ring has cells.
struct SmallRing : StdAtomics {
  static constexpr std::uint32_t kWaitCells = 16;
};
using Clock = Core::WaitClock;

constexpr auto kForever = Clock::time_point::max();

// Blocks until `core` has `n` tickets queued (the waiters started so far
// have taken theirs).
template <class CoreT>
void AwaitQueued(const CoreT& core, std::uint32_t n) {
  while (core.QueuedTickets() != n) std::this_thread::yield();
}

TEST(SessionWaitOrderTest, FreedSlotsGoToTheWaitersInTheOrderTheyCame) {
  Core core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(2), Error::kSuccess);
  OpenedSession held[2];
  for (auto& s : held) ASSERT_EQ(core.Begin(gen, &s), Error::kSuccess);
  constexpr int kWaiters = 6;
  std::vector<std::thread> waiters;
  std::vector<OpenedSession> got(kWaiters);
  std::atomic<int> served{0};
  // Written by each waiter once it is served (release), read by this
  // thread (acquire), which then reads the waiter's session.
  std::vector<std::atomic<int>> order(kWaiters);
  for (auto& o : order) o.store(-1);
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      const auto k = static_cast<std::size_t>(i);
      ASSERT_EQ(core.BeginWait(gen, &got[k], kForever), Error::kSuccess);
      order[k].store(served.fetch_add(1), std::memory_order_release);
    });
    AwaitQueued(core, static_cast<std::uint32_t>(i + 1));
  }
  // A plain Begin that starts now does not jump the queue.
  OpenedSession late;
  EXPECT_EQ(core.Begin(gen, &late), Error::kOutOfSessions);
  // Each End serves the oldest waiter; that waiter then ends its session,
  // which serves the next, and so on.
  ASSERT_EQ(core.End(held[0].slot, held[0].gen), Error::kSuccess);
  for (int i = 0; i < kWaiters; ++i) {
    const auto k = static_cast<std::size_t>(i);
    while (order[k].load(std::memory_order_acquire) < 0) {
      std::this_thread::yield();
    }
    EXPECT_EQ(order[k].load(), i)
        << "waiter " << i << " was served out of turn";
    ASSERT_EQ(core.End(got[k].slot, got[k].gen), Error::kSuccess);
  }
  for (auto& t : waiters) t.join();
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ASSERT_EQ(core.End(held[1].slot, held[1].gen), Error::kSuccess);
  Terminate(core);
}

TEST(SessionWaitOrderTest, AFreePassesOverTheTicketsOfWaitersThatLeft) {
  Core core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(1), Error::kSuccess);
  OpenedSession held;
  ASSERT_EQ(core.Begin(gen, &held), Error::kSuccess);
  // A live waiter first, then two waiters that time out behind it (their
  // tickets stay: the live one holds the head), then a third that waits.
  OpenedSession first;
  std::thread head = StartLiveWaiter(core, gen, &first, 0);
  for (int i = 0; i < 2; ++i) {
    OpenedSession s;
    EXPECT_EQ(
        core.BeginWait(gen, &s, Clock::now() + std::chrono::milliseconds(5)),
        Error::kOutOfSessions);
  }
  EXPECT_EQ(core.QueuedTickets(), 3U);
  OpenedSession third;
  std::thread waiter = StartLiveWaiter(core, gen, &third, 3);
  // The first End serves the head; the head's End passes over the two
  // tickets that were left and serves the third.
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  EXPECT_EQ(core.QueuedTickets(), 3U);
  ASSERT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  waiter.join();
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ASSERT_EQ(core.End(third.slot, third.gen), Error::kSuccess);
  // Nothing was lost: the slot is free again.
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

TEST(SessionWaitOrderTest, AWaiterThatLeavesPassesOverTheTicketsLeftBeforeIt) {
  // With no live waiter ahead, a waiter that times out takes its own ticket
  // out of the queue, and any left before it: no End needs to come.
  InstanceCore<SmallRing> core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  constexpr std::uint32_t kCells =
      InstanceCore<SmallRing>::Pool::WaitQueue::kCells;
  for (std::uint32_t i = 0; i < 3 * kCells; ++i) {
    OpenedSession s;
    ASSERT_EQ(
        core.BeginWait(gen, &s, Clock::now() + std::chrono::microseconds(50)),
        Error::kOutOfSessions);
    ASSERT_EQ(core.QueuedTickets(), 0U) << "time-out " << i;
  }
  // Threads that time out together, round the ring several times.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (std::uint32_t i = 0; i < 2 * kCells; ++i) {
        OpenedSession s;
        EXPECT_EQ(core.BeginWait(gen, &s,
                                 Clock::now() + std::chrono::microseconds(200)),
                  Error::kOutOfSessions);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(core.QueuedTickets(), 0U)
      << "a ticket was left at the head with no waiter before it";
  // The ring still serves waiters in order.
  OpenedSession a;
  OpenedSession b;
  std::thread first = StartLiveWaiter(core, gen, &a, 0);
  std::thread second = StartLiveWaiter(core, gen, &b, 1);
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  first.join();
  EXPECT_EQ(core.QueuedTickets(), 1U) << "the second waiter was served first";
  ASSERT_EQ(core.End(a.slot, a.gen), Error::kSuccess);
  second.join();
  ASSERT_EQ(core.End(b.slot, b.gen), Error::kSuccess);
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

using WakeCountingRing = WakeCounting<SmallRing>;

TEST(SessionWaitOrderTest, PassingOverLeftTicketsWakesNobody) {
  // Nobody sleeps on a cancelled cell, so the waiter and the End that pass
  // over left tickets make no wake-up (a system call) for them: a ring
  // full of them costs neither a core.
  using WCore = InstanceCore<WakeCountingRing>;
  constexpr std::uint32_t kLeft = WCore::Pool::WaitQueue::kCells - 2;
  WCore core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  // A waiter at the head times out behind kLeft left tickets, a live one
  // after them.
  std::atomic<int> head_wakes{-1};
  std::thread head([&] {
    OpenedSession s;
    EXPECT_EQ(
        core.BeginWait(gen, &s, Clock::now() + std::chrono::milliseconds(300)),
        Error::kOutOfSessions);
    head_wakes.store(WakeCountingRing::wakes);
  });
  AwaitQueued(core, 1);
  LeaveTicketsUntil(core, gen, 1 + kLeft);
  ASSERT_EQ(core.QueuedTickets(), 1 + kLeft);
  OpenedSession live;
  std::thread waiter = StartLiveWaiter(core, gen, &live, 1 + kLeft);
  head.join();
  EXPECT_EQ(head_wakes.load(), 0)
      << "the head woke a cell for each ticket it passed over";
  EXPECT_EQ(core.QueuedTickets(), 1U) << "the left tickets stayed";
  // The End serves the live waiter: one wake-up, its cell's.
  WakeCountingRing::wakes = 0;
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  EXPECT_EQ(WakeCountingRing::wakes, 1);
  waiter.join();
  // Again with the left tickets before the live one at the head: the End
  // passes over them with the same one wake-up.
  std::atomic<bool> go{false};
  OpenedSession first;
  std::thread head2([&] {
    EXPECT_EQ(core.BeginWait(gen, &first, Clock::time_point::max()),
              Error::kSuccess);
    while (!go.load()) std::this_thread::yield();
  });
  AwaitQueued(core, 1);
  LeaveTicketsUntil(core, gen, 1 + kLeft);
  OpenedSession last;
  std::thread waiter2 = StartLiveWaiter(core, gen, &last, 1 + kLeft);
  ASSERT_EQ(core.End(live.slot, live.gen), Error::kSuccess);  // head2 served
  go.store(true);
  head2.join();
  WakeCountingRing::wakes = 0;
  // head2's ticket is served; the left ones are next, then waiter2's.
  ASSERT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  EXPECT_EQ(WakeCountingRing::wakes, 1)
      << "the End woke a cell for each ticket it passed over";
  waiter2.join();
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ASSERT_EQ(core.End(last.slot, last.gen), Error::kSuccess);
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

// A waiter with no deadline, on `core` full, that a Stop ends; returns
// once its ticket is taken (the queue held `queued` tickets before).
template <class CoreT>
std::thread StartStoppedWaiter(CoreT& core, std::uint64_t gen,
                               std::uint32_t queued,
                               typename CoreT::Stop* stop = nullptr) {
  std::thread waiter([&core, gen, stop] {
    OpenedSession s;
    EXPECT_EQ(
        core.BeginWait(gen, &s, CoreT::WaitClock::time_point::max(), stop),
        stop == nullptr ? Error::kClientRequestToStopJetService
                        : Error::kWaitCancelled);
  });
  while (core.QueuedTickets() != queued + 1) std::this_thread::yield();
  // With a stop request: until the waiter has published its ticket (a
  // request before that finds no place to wake, and the waiter sees it).
  std::uint32_t ticket = 0;
  while (stop != nullptr &&
         stop->Where(&ticket) != CoreT::Stop::Place::kTicket) {
    std::this_thread::yield();
  }
  return waiter;
}

TEST(SessionWaitOrderTest, AStopsAlertWakesOnlyTheLiveTickets) {
  // A Stop alerts the cells of the tickets queued: only the live waiters'
  // are woken, not those of the tickets left behind them.
  using WCore = InstanceCore<WakeCountingRing>;
  constexpr std::uint32_t kLeft = WCore::Pool::WaitQueue::kCells - 2;
  WCore core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  std::thread head = StartStoppedWaiter(core, gen, 0);
  LeaveTicketsUntil(core, gen, 1 + kLeft);
  std::thread waiter = StartStoppedWaiter(core, gen, 1 + kLeft);
  WakeCountingRing::wakes = 0;
  core.SetFlag(WCore::kStopped);
  // The two live cells, and the overflow list's head word.
  EXPECT_LE(WakeCountingRing::wakes, 3)
      << "the alert woke the cells of the tickets left";
  head.join();
  waiter.join();
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  Terminate(core);
}

TEST(SessionWaitOrderTest, AStopRequestWakesOnlyItsWaiter) {
  // Waiters with a stop request each, queued on tickets: each request
  // wakes its own waiter's cell alone (one wake-up), whatever the number
  // of waiters, and ends that wait alone.
  using WCore = InstanceCore<WakeCountingRing>;
  constexpr std::uint32_t kWaiters = WCore::Pool::WaitQueue::kCells;
  WCore core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  WCore::Stop stops[kWaiters];
  std::thread waiters[kWaiters];
  for (std::uint32_t i = 0; i < kWaiters; ++i) {
    waiters[i] = StartStoppedWaiter(core, gen, i, &stops[i]);
  }
  // From the middle, then around: every request finds the others asleep.
  for (std::uint32_t k = 0; k < kWaiters; ++k) {
    const std::uint32_t i = (k + kWaiters / 2) % kWaiters;
    WakeCountingRing::wakes = 0;
    core.RequestStop(gen, &stops[i]);
    EXPECT_EQ(WakeCountingRing::wakes, 1) << "request " << k;
    waiters[i].join();
    EXPECT_EQ(core.Waiting(), kWaiters - k - 1);
  }
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

// A C++ wait with a stop request (Instance::BeginSession(timeout, token))
// as the library makes it: the core's wait inside a wait scope, and the
// std::stop_callback's destructor, which waits for a callback running on
// the thread that requests the stop. That thread is descheduled between
// the callback's first step (the request's flag) and its alert. The
// waiter sees its request at its deadline and leaves; then JetTerm runs.
// The deadline leaves the requester 300 ms to mark the request, so that a
// loaded machine does not answer OutOfSessions first.
// Returns whether JetTerm returned within 100 ms, before the callback.
template <Mutation M>
bool TermReturnsBesideAStopCallback() {
  using MCore = InstanceCore<WrappedPolicy<std::atomic, M>>;
  MCore core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  typename MCore::Stop stop;
  std::atomic<bool> waited{false};
  std::atomic<bool> go{false};
  std::atomic<bool> callback_done{false};
  std::thread waiter([&] {
    core.EnterWaitScope();
    OpenedSession s;
    EXPECT_EQ(
        core.BeginWait(gen, &s,
                       MCore::WaitClock::now() + std::chrono::milliseconds(300),
                       &stop),
        Error::kWaitCancelled);
    waited.store(true);
    while (!callback_done.load()) std::this_thread::yield();  // the destructor
    core.ExitWaitScope();
  });
  AwaitQueued(core, 1);
  std::thread requester([&] {
    stop.Mark();
    while (!go.load()) std::this_thread::yield();  // descheduled
    core.RequestStop(gen, &stop);
    callback_done.store(true);
  });
  while (!waited.load()) std::this_thread::yield();
  std::atomic<bool> termed{false};
  std::thread term([&] {
    Terminate(core);
    termed.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const bool returned = termed.load();
  go.store(true);
  requester.join();
  waiter.join();
  term.join();
  return returned;
}

TEST(SessionWaitOrderTest, TermWaitsForAStopCallbackInFlight) {
  EXPECT_FALSE(TermReturnsBesideAStopCallback<Mutation::kNone>())
      << "JetTerm returned while a waiter's call waited for its stop callback";
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionWaitOrderTest, CatchesTermIgnoresWakers) {
  EXPECT_TRUE(TermReturnsBesideAStopCallback<Mutation::kTermIgnoresWakers>());
}
#endif  // JETSESSION_MUTANT_TESTS

// Capacity 1, full: a live waiter queues, then a waiter times out behind
// it. Returns the tickets queued after the time-out, and what a Begin
// answers after an End that should serve the live waiter.
template <Mutation M>
std::pair<std::uint32_t, Error> LeaveBehindALiveWaiter() {
  using MCore = InstanceCore<WrappedPolicy<std::atomic, M>>;
  MCore core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  OpenedSession live;
  std::thread waiter([&] {
    // A deadline: the mutant leaves this waiter without its place.
    EXPECT_EQ(core.BeginWait(
                  gen, &live,
                  MCore::WaitClock::now() + std::chrono::milliseconds(300)),
              Error::kSuccess);
  });
  while (core.QueuedTickets() != 1) std::this_thread::yield();
  OpenedSession s;
  EXPECT_EQ(
      core.BeginWait(gen, &s,
                     MCore::WaitClock::now() + std::chrono::milliseconds(2)),
      Error::kOutOfSessions);
  const std::uint32_t queued = core.QueuedTickets();
  EXPECT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  OpenedSession late;
  const Error begin = core.Begin(gen, &late);
  if (begin == Error::kSuccess) {
    EXPECT_EQ(core.End(late.slot, late.gen), Error::kSuccess);
  }
  waiter.join();
  const Error end_live = core.End(live.slot, live.gen);
  if constexpr (M == Mutation::kNone) {
    // (The mutant's waiter finds its cell readied for the next lap, as if
    // its grant had been parked, and takes no session of its own.)
    EXPECT_EQ(end_live, Error::kSuccess);
    ExpectRoomFor(core, gen, 1);
  }
  Terminate(core);
  return {queued, begin};
}

TEST(SessionWaitOrderTest, AWaiterThatLeavesKeepsTheLiveOnesBeforeIt) {
  const auto [queued, begin] = LeaveBehindALiveWaiter<Mutation::kNone>();
  EXPECT_EQ(queued, 2U) << "the live waiter's ticket was passed over";
  EXPECT_EQ(begin, Error::kOutOfSessions)
      << "a Begin took the slot the End owed the live waiter";
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionWaitOrderTest, CatchesPassOverLiveTicket) {
  const auto [queued, begin] =
      LeaveBehindALiveWaiter<Mutation::kPassOverLiveTicket>();
  EXPECT_EQ(queued, 0U) << "the mutant kept the live waiter's ticket";
  EXPECT_EQ(begin, Error::kSuccess) << "the mutant's End served the waiter";
}
#endif  // JETSESSION_MUTANT_TESTS

TEST(SessionWaitOrderTest, TicketsLeftByWaitersAreDroppedByTheNextIncarnation) {
  Core core;
  std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(1), Error::kSuccess);
  OpenedSession held;
  ASSERT_EQ(core.Begin(gen, &held), Error::kSuccess);
  // A live waiter, a time-out behind it, then the live one is served: the
  // ticket left behind it stays until an End comes.
  OpenedSession first;
  std::thread head = StartLiveWaiter(core, gen, &first, 0);
  OpenedSession s;
  EXPECT_EQ(
      core.BeginWait(gen, &s, Clock::now() + std::chrono::milliseconds(2)),
      Error::kOutOfSessions);
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  EXPECT_EQ(core.QueuedTickets(), 1U);
  Terminate(core);
  gen = core.Create();
  ASSERT_EQ(core.Init(1), Error::kSuccess);
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ASSERT_EQ(core.Begin(gen, &held), Error::kSuccess);
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  Terminate(core);
}

TEST(SessionWaitOrderTest, MoreWaitersThanCellsAllGetServed) {
  // Past kCells tickets in use, a caller waits for a cell first.
  InstanceCore<SmallRing> core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  // Fill the ring: a live waiter, then the tickets of waiters that left
  // behind it.
  constexpr std::uint32_t kCells =
      InstanceCore<SmallRing>::Pool::WaitQueue::kCells;
  OpenedSession first;
  std::thread head = StartLiveWaiter(core, gen, &first, 0);
  LeaveTicketsUntil(core, gen, kCells);
  ASSERT_EQ(core.QueuedTickets(), kCells);
  OpenedSession next;
  std::thread waiter([&] {
    EXPECT_EQ(core.BeginWait(gen, &next, kForever), Error::kSuccess);
  });
  // The waiter finds no free cell and waits for one. The End serves the
  // head, whose cell the waiter then takes; the head's End passes over the
  // tickets that were left and serves the waiter.
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  while (core.QueuedTickets() != kCells) std::this_thread::yield();
  ASSERT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  waiter.join();
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ASSERT_EQ(core.End(next.slot, next.gen), Error::kSuccess);
  Terminate(core);
}

TEST(SessionWaitOrderTest, TwoThreadsFillTheRingBehindALiveWaiter) {
  // The documented limit of the order (api.md, design.md "Cells"): a
  // waiter with no deadline at the head of the queue, and one caller that
  // keeps timing out behind it, leave a ticket per time-out that no End
  // passes over until the head is served; the ring fills with no more than
  // two threads. Nothing is lost: the End then serves the live waiter and
  // passes over every left ticket.
  InstanceCore<SmallRing> core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(1), Error::kSuccess);
  OpenedSession held;
  ASSERT_EQ(core.Begin(gen, &held), Error::kSuccess);
  constexpr std::uint32_t kCells =
      InstanceCore<SmallRing>::Pool::WaitQueue::kCells;
  OpenedSession first;
  std::thread head([&] {
    EXPECT_EQ(core.BeginWait(gen, &first, kForever), Error::kSuccess);
  });
  while (core.QueuedTickets() != 1) std::this_thread::yield();
  LeaveTicketsUntil(core, gen, kCells);
  EXPECT_EQ(core.QueuedTickets(), kCells)
      << "the left tickets stay behind the live one";
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  EXPECT_EQ(core.QueuedTickets(), kCells - 1)
      << "the End served the head; the left tickets wait for the next End";
  ASSERT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  EXPECT_EQ(core.QueuedTickets(), 0U);
  OpenedSession again;
  EXPECT_EQ(core.Begin(gen, &again), Error::kSuccess);
  EXPECT_EQ(core.End(again.slot, again.gen), Error::kSuccess);
  Terminate(core);
}

// Hooks of the stale-tail schedule below: `before_ensure` runs on thread
// `on` just before its CAS that installs the queue's cells (the first
// waiter's Ensure()); `before_cell_store` on thread `store_on` just before
// its next store to a 32-bit word (an End's Publish()); `on_wait` on
// thread `on` at each of its blocking waits (Policy::WaitWhile()), with the
// cell value it waits on. Set them before the other threads start.
struct StaleTailHook {
  static inline std::thread::id on;
  static inline std::atomic<std::thread::id> store_on;
  static inline std::function<void()> before_ensure;
  static inline std::function<void()> before_cell_store;
  static inline std::function<void(std::uint32_t)> on_wait;
  template <class T>
  static void Before(std::atomic<T>& /*word*/, T /*expected*/) noexcept {
    if constexpr (std::is_pointer_v<T>) {
      if (std::this_thread::get_id() == on) Once(before_ensure);
    }
  }
  template <class T>
  static void BeforeStore(std::atomic<T>& /*word*/) noexcept {
    if constexpr (std::is_same_v<T, std::uint32_t>) {
      // relaxed: the End's thread reads its own store; others see any
      // other id.
      if (std::this_thread::get_id() ==
          store_on.load(std::memory_order_relaxed)) {
        Once(before_cell_store);
      }
    }
  }

 private:
  static void Once(std::function<void()>& hook) noexcept {
    if (hook) {
      const auto action = std::move(hook);
      hook = nullptr;
      action();
    }
  }
};
template <class T>
using StaleTailAtomic = BeforeCasAtomic<T, StaleTailHook>;

template <Mutation M>
struct StaleTailPolicy : WrappedPolicy<StaleTailAtomic, M> {
  static void WaitWhile(std::atomic<std::uint32_t>& word,
                        std::uint32_t expected,
                        StdAtomics::WaitClock::time_point deadline) noexcept {
    if (std::this_thread::get_id() == StaleTailHook::on &&
        StaleTailHook::on_wait) {
      StaleTailHook::on_wait(expected);
    }
    StdAtomics::WaitWhile(word, expected, deadline);
  }
};

// Capacity 1, full. Waiter A reads the flag's tail (ticket 0) and stops
// before it installs the queue's cells. Meanwhile waiter W takes ticket 0,
// and an End takes W's ticket and commits its slot to W's cell, stopping
// before it publishes it. A goes on with the tail it read: the cell of
// ticket 0 is not ready for ticket 0. The tail has moved on, so A must take
// ticket 1 and block on its own cell, not wait outside the queue for the
// cell of a ticket already served (where a later caller could take its
// place). Returns the state of the cell A first blocked on.
template <Mutation M>
std::uint32_t StateAFirstWaitsOn() {
  using Core = InstanceCore<StaleTailPolicy<M>>;
  using Queue = typename Core::Pool::WaitQueue;
  Core core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  std::atomic<int> step{0};  // 1: the End stopped; 2: A blocked
  std::atomic<std::uint32_t> first_wait{~0U};
  const auto await_step = [&](int n) {
    while (step.load(std::memory_order_acquire) < n) {
      std::this_thread::yield();
    }
  };
  OpenedSession w;
  OpenedSession a;
  std::thread w_thread;
  std::thread end_thread;
  StaleTailHook::on_wait = [&](std::uint32_t seen) {
    std::uint32_t none = ~0U;
    if (first_wait.compare_exchange_strong(none, seen)) {
      step.store(2, std::memory_order_release);
    }
  };
  StaleTailHook::before_ensure = [&] {
    w_thread = std::thread([&] {
      EXPECT_EQ(core.BeginWait(gen, &w, Core::WaitClock::time_point::max()),
                Error::kSuccess);
    });
    while (core.QueuedTickets() != 1) std::this_thread::yield();
    end_thread = std::thread([&] {
      StaleTailHook::before_cell_store = [&] {
        step.store(1, std::memory_order_release);
        await_step(2);
      };
      // relaxed: compared by this thread only (see StaleTailHook).
      StaleTailHook::store_on.store(std::this_thread::get_id(),
                                    std::memory_order_relaxed);
      EXPECT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
    });
    await_step(1);
  };
  std::thread a_thread([&] {
    StaleTailHook::on = std::this_thread::get_id();
    EXPECT_EQ(core.BeginWait(gen, &a, Core::WaitClock::time_point::max()),
              Error::kSuccess);
  });
  // A's first block lets the End publish: W has its session; W's End
  // serves A. (The hook started W's thread and the End's before step 1.)
  await_step(2);
  end_thread.join();
  w_thread.join();
  EXPECT_EQ(core.End(w.slot, w.gen), Error::kSuccess);
  a_thread.join();
  EXPECT_EQ(core.End(a.slot, a.gen), Error::kSuccess);
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
  StaleTailHook::on_wait = nullptr;
  return Queue::StateOf(first_wait.load());
}

TEST(SessionWaitOrderTest, AWaiterThatReadAServedTailQueuesBehindIt) {
  EXPECT_EQ(
      StateAFirstWaitsOn<Mutation::kNone>(),
      InstanceCore<StaleTailPolicy<Mutation::kNone>>::Pool::WaitQueue::kReady)
      << "the waiter blocked outside the queue, on a served ticket's cell";
}

}  // namespace
}  // namespace jetsession::internal
