// White-box tests of the overflow list (SlotPool::Join(), EnqueueHead(),
// MailToHead(); InstanceCore::AwaitListed(), LeaveList()): first come,
// first served past the ring's limit.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "atomics_hooks.h"
#include "gtest/gtest.h"
#include "instance_core.h"
#include "instance_core_test_util.h"

namespace jetsession::internal {
namespace {

// The library's policy with a ring of 4 cells, so that a test fills it
// with a few tickets.
struct TinyRing : StdAtomics {
  static constexpr std::uint32_t kWaitCells = 4;
};
using Core = InstanceCore<TinyRing>;
using Clock = Core::WaitClock;
constexpr auto kForever = Clock::time_point::max();

// The full flag's listed bit.
bool Listed(const Core& core) {
  std::uint64_t state = 0;
  const Core::Pool* const pool = core.DebugPool(&state);
  return pool != nullptr && pool->DebugFlag().listed;
}

// On a full instance: a live waiter at the ring's head (`first`, on the
// thread returned; its wait answers `expected`), then tickets left behind
// it until the ring is full.
template <class CoreT>
std::thread FillRingBehindAHead(CoreT& core, std::uint64_t gen,
                                OpenedSession* first,
                                Error expected = Error::kSuccess) {
  std::thread head([&core, gen, first, expected] {
    EXPECT_EQ(core.BeginWait(gen, first, kForever), expected);
  });
  while (core.QueuedTickets() != 1) std::this_thread::yield();
  LeaveTicketsUntil(core, gen, CoreT::Pool::WaitQueue::kCells);
  EXPECT_EQ(core.QueuedTickets(), CoreT::Pool::WaitQueue::kCells);
  return head;
}

// A full instance of capacity 1 whose ring is full: a live waiter at its
// head (`first`, on `*head`) and the ring's other tickets left behind it.
// The head's wait answers `expected`.
std::uint64_t StartRingFull(Core& core, OpenedSession* held,
                            OpenedSession* first, std::thread* head,
                            Error expected = Error::kSuccess) {
  const std::uint64_t gen = StartFull(core, held);
  *head = FillRingBehindAHead(core, gen, first, expected);
  return gen;
}

// Starts waiters one after another, each once the one before is listed.
struct ListedWaiters {
  explicit ListedWaiters(int n) : got(n), order(n) {
    for (auto& o : order) o.store(-1);
  }
  void Start(Core& core, std::uint64_t gen, std::uint32_t listed_before) {
    for (std::size_t i = 0; i < got.size(); ++i) {
      threads.emplace_back([&, i] {
        ASSERT_EQ(core.BeginWait(gen, &got[i], kForever), Error::kSuccess);
        order[i].store(served.fetch_add(1), std::memory_order_release);
      });
      while (core.ListedCallers() != listed_before + i + 1) {
        std::this_thread::yield();
      }
    }
  }
  // Blocks until waiter i has its session; returns its place in the order.
  int Await(std::size_t i) {
    while (order[i].load(std::memory_order_acquire) < 0) {
      std::this_thread::yield();
    }
    return order[i].load(std::memory_order_acquire);
  }
  void Join() {
    for (auto& t : threads) t.join();
  }
  std::vector<OpenedSession> got;
  std::vector<std::atomic<int>> order;
  std::atomic<int> served{0};
  std::vector<std::thread> threads;
};

TEST(SessionWaitOverflowTest, HasAheadComparesAPlaceWithoutCountingIt) {
  // A leaver compares its place with the grants decided (TakeMail(),
  // LeaveUnowed()): HasAhead(node, k) says whether k nodes are ahead.
  using List = Core::Pool::OverflowList;
  List list;
  std::vector<List::Node> nodes(5);
  list.Lock();
  for (auto& n : nodes) list.Append(&n);
  for (std::uint32_t i = 0; i < nodes.size(); ++i) {
    for (std::uint32_t k = 0; k <= nodes.size() + 1; ++k) {
      EXPECT_EQ(list.HasAhead(&nodes[i], k), i >= k) << i << " " << k;
    }
  }
  list.Remove(&nodes[1]);
  EXPECT_TRUE(list.HasAhead(&nodes[4], 3));
  EXPECT_FALSE(list.HasAhead(&nodes[4], 4));
  EXPECT_FALSE(list.HasAhead(&nodes[2], 2));
  EXPECT_TRUE(list.HasAhead(&nodes[0], 0));
  for (auto& n : nodes) {
    if (&n != &nodes[1]) list.Remove(&n);
  }
  EXPECT_TRUE(list.Empty());
  list.Unlock();
}

TEST(SessionWaitOverflowTest, ListedCallersAreServedInTheOrderTheyCame) {
  Core core;
  OpenedSession held;
  OpenedSession first;
  std::thread head;
  const std::uint64_t gen = StartRingFull(core, &held, &first, &head);
  ListedWaiters listed(4);
  listed.Start(core, gen, 0);
  EXPECT_EQ(core.ListedCallers(), 4U);
  // A plain Begin does not jump the list.
  OpenedSession late;
  EXPECT_EQ(core.Begin(gen, &late), Error::kOutOfSessions);
  // The End serves the ring's head; its End passes over the left tickets
  // and, the ring empty, mails its slot to the list's head; each End of a
  // listed caller serves the next.
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  ASSERT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  for (std::size_t i = 0; i < listed.got.size(); ++i) {
    EXPECT_EQ(listed.Await(i), static_cast<int>(i));
    EXPECT_EQ(core.Begin(gen, &late), Error::kOutOfSessions);
    ASSERT_EQ(core.End(listed.got[i].slot, listed.got[i].gen), Error::kSuccess);
  }
  listed.Join();
  EXPECT_EQ(core.ListedCallers(), 0U);
  EXPECT_FALSE(Listed(core));
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

TEST(SessionWaitOverflowTest, ANewcomerQueuesBehindTheListedOnes) {
  Core core;
  OpenedSession held;
  OpenedSession first;
  std::thread head;
  const std::uint64_t gen = StartRingFull(core, &held, &first, &head);
  ListedWaiters listed(2);
  listed.Start(core, gen, 0);
  // The ring's head is served and its End passes over the left tickets:
  // the ring has room again, but the list is not empty, so a newcomer
  // joins it, behind the two.
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  OpenedSession newcomer;
  std::atomic<bool> served{false};
  std::thread later([&] {
    EXPECT_EQ(core.BeginWait(gen, &newcomer, kForever), Error::kSuccess);
    served.store(true, std::memory_order_release);
  });
  // Three callers wait: the listed head may already have moved into the
  // ring, which has room again, so the list alone may hold two.
  while (core.Waiting() != 3) std::this_thread::yield();
  ASSERT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  for (std::size_t i = 0; i < listed.got.size(); ++i) {
    EXPECT_EQ(listed.Await(i), static_cast<int>(i));
    EXPECT_FALSE(served.load(std::memory_order_acquire));
    ASSERT_EQ(core.End(listed.got[i].slot, listed.got[i].gen), Error::kSuccess);
  }
  later.join();
  listed.Join();
  ASSERT_EQ(core.End(newcomer.slot, newcomer.gen), Error::kSuccess);
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

TEST(SessionWaitOverflowTest, TimeOutsInTheListLeaveNothingBehind) {
  Core core;
  OpenedSession held;
  OpenedSession first;
  std::thread head;
  const std::uint64_t gen = StartRingFull(core, &held, &first, &head);
  // Callers that time out in the list answer OutOfSessions (the pool is
  // full) and leave the list empty, however many of them.
  for (int i = 0; i < 50; ++i) {
    OpenedSession s;
    EXPECT_EQ(
        core.BeginWait(gen, &s, Clock::now() + std::chrono::microseconds(200)),
        Error::kOutOfSessions);
  }
  EXPECT_EQ(core.ListedCallers(), 0U);
  EXPECT_FALSE(Listed(core));
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  ASSERT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

TEST(SessionWaitOverflowTest, TheOrderHoldsPastTheRingWithTwoThreads) {
  // What used to be the queue's limit: a waiter with no deadline at the
  // head, and callers that keep timing out behind it until the ring is
  // full. A caller that comes then still gets its session before one that
  // comes after it.
  Core core;
  OpenedSession held;
  OpenedSession first;
  std::thread head;
  const std::uint64_t gen = StartRingFull(core, &held, &first, &head);
  ListedWaiters listed(2);
  listed.Start(core, gen, 0);
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  ASSERT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  EXPECT_EQ(listed.Await(0), 0);
  ASSERT_EQ(core.End(listed.got[0].slot, listed.got[0].gen), Error::kSuccess);
  EXPECT_EQ(listed.Await(1), 1);
  ASSERT_EQ(core.End(listed.got[1].slot, listed.got[1].gen), Error::kSuccess);
  listed.Join();
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

TEST(SessionWaitOverflowTest, AStopWakesTheListedCallers) {
  Core core;
  OpenedSession held;
  OpenedSession first;
  std::thread head;
  const std::uint64_t gen = StartRingFull(
      core, &held, &first, &head, Error::kClientRequestToStopJetService);
  std::vector<std::thread> waiters;
  std::atomic<int> stopped{0};
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&] {
      OpenedSession s;
      EXPECT_EQ(core.BeginWait(gen, &s, kForever),
                Error::kClientRequestToStopJetService);
      stopped.fetch_add(1);
    });
    while (core.ListedCallers() != static_cast<std::uint32_t>(i + 1)) {
      std::this_thread::yield();
    }
  }
  core.SetFlag(Core::kStopped);
  for (auto& w : waiters) w.join();
  EXPECT_EQ(stopped.load(), 3);
  head.join();  // the ring's head answers the Stop too
  EXPECT_EQ(core.ListedCallers(), 0U);
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  Terminate(core);
}

TEST(SessionWaitOverflowTest, TermWaitsForTheListedCallers) {
  Core core;
  OpenedSession held;
  OpenedSession first;
  std::thread head;
  const std::uint64_t gen =
      StartRingFull(core, &held, &first, &head, Error::kTermInProgress);
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&] {
      OpenedSession s;
      EXPECT_EQ(core.BeginWait(gen, &s, kForever), Error::kTermInProgress);
    });
    while (core.ListedCallers() != static_cast<std::uint32_t>(i + 1)) {
      std::this_thread::yield();
    }
  }
  core.SetFlag(Core::kTerminating);
  core.Drain();  // JetTerm returns only after every waiter has left
  EXPECT_EQ(core.ListedCallers(), 0U);
  core.Release();
  for (auto& w : waiters) w.join();
  head.join();
}

// The seeded mutants of the list, on the same ring.
template <Mutation M>
struct TinyRingMutant : TinyRing {
  static constexpr Mutation kMutation = M;
};

// Capacity 1, the ring full behind a live head, two callers listed; the
// ring's head is served, so its cell is ready for the next ticket; then a
// newcomer waits. Returns the newcomer's place among the three served.
template <class Policy>
int NewcomerPlace() {
  InstanceCore<Policy> core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  OpenedSession first;
  std::thread head = FillRingBehindAHead(core, gen, &first);
  std::atomic<int> served{0};
  std::vector<OpenedSession> got(3);
  std::vector<std::atomic<int>> place(3);
  for (auto& p : place) p.store(-1);
  std::vector<std::thread> waiters;
  const auto start = [&](std::size_t i) {
    waiters.emplace_back([&, i] {
      EXPECT_EQ(core.BeginWait(gen, &got[i], kForever), Error::kSuccess);
      place[i].store(served.fetch_add(1), std::memory_order_release);
    });
  };
  for (std::size_t i = 0; i < 2; ++i) {
    start(i);
    while (core.ListedCallers() != i + 1) std::this_thread::yield();
  }
  EXPECT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  const std::uint32_t left = core.QueuedTickets();
  start(2);
  while (core.ListedCallers() != 3 && core.QueuedTickets() == left) {
    std::this_thread::yield();
  }
  EXPECT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  for (int n = 0; n < 3; ++n) {
    std::size_t who = 3;
    while (who == 3) {
      for (std::size_t i = 0; i < 3; ++i) {
        if (place[i].load(std::memory_order_acquire) == n) who = i;
      }
      std::this_thread::yield();
    }
    EXPECT_EQ(core.End(got[who].slot, got[who].gen), Error::kSuccess);
  }
  for (auto& w : waiters) w.join();
  Terminate(core);
  return place[2].load(std::memory_order_acquire);
}

TEST(SessionWaitOverflowTest, ANewcomerIsServedAfterTheListedOnes) {
  EXPECT_EQ(NewcomerPlace<TinyRing>(), 2);
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionWaitOverflowTest, CatchesNewcomerIgnoresList) {
  // Whether the mutant's newcomer reaches the ring before the listed head
  // takes the ticket depends on the schedule: up to 20 attempts.
  int place = 2;
  for (int attempt = 0; attempt < 20 && place == 2; ++attempt) {
    place = NewcomerPlace<TinyRingMutant<Mutation::kNewcomerIgnoresList>>();
  }
  EXPECT_NE(place, 2)
      << "the mutant's newcomer never took the ticket ahead of the list";
}
#endif  // JETSESSION_MUTANT_TESTS

// Capacity 1, the ring full behind a live head, one caller listed (with a
// deadline, so that a mutant cannot hang the test). The ring's head is
// served and ends its session, whose End passes over the left tickets and
// finds the ring empty. Returns whether a plain Begin then got a session
// while the caller was still listed (tried up to 20 times).
template <class Policy>
bool PlainBeginJumpsTheList() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    InstanceCore<Policy> core;
    OpenedSession held;
    const std::uint64_t gen = StartFull(core, &held);
    OpenedSession first;
    std::thread head = FillRingBehindAHead(core, gen, &first);
    OpenedSession listed;
    std::atomic<bool> served{false};
    std::thread waiter([&] {
      const Error e = core.BeginWait(
          gen, &listed, Clock::now() + std::chrono::milliseconds(300));
      if (e == Error::kSuccess) served.store(true, std::memory_order_release);
    });
    while (core.ListedCallers() != 1) std::this_thread::yield();
    EXPECT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
    head.join();
    EXPECT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
    OpenedSession late;
    const bool jumped = core.Begin(gen, &late) == Error::kSuccess;
    if (jumped) {
      EXPECT_EQ(core.End(late.slot, late.gen), Error::kSuccess);
    }
    waiter.join();
    if (served.load(std::memory_order_acquire)) {
      EXPECT_EQ(core.End(listed.slot, listed.gen), Error::kSuccess);
    }
    Terminate(core);
    if (jumped) return true;
  }
  return false;
}

TEST(SessionWaitOverflowTest, APlainBeginDoesNotJumpTheList) {
  EXPECT_FALSE(PlainBeginJumpsTheList<TinyRing>());
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionWaitOverflowTest, CatchesEndIgnoresList) {
  EXPECT_TRUE(
      PlainBeginJumpsTheList<TinyRingMutant<Mutation::kEndIgnoresList>>())
      << "the mutant's End did not free its slot beside a listed caller";
}
#endif  // JETSESSION_MUTANT_TESTS

// A policy whose waits can be held: a thread that names a role (tl_role)
// stops at the top of its next wait (the list's sleeps, the head's polls,
// the lock's) while that role is held, and counts itself as stopped. The
// test so decides when a listed caller takes its next step.
struct Hold {
  static constexpr int kRoles = 3;
  static inline std::atomic<bool> held[kRoles];
  static inline std::atomic<int> stopped[kRoles];
  // The same at the top of the wake that the last waiter to leave issues
  // to JetTerm's drain.
  static inline std::atomic<bool> held_at_wake[kRoles];
  static inline std::atomic<int> stopped_at_wake[kRoles];
  static inline thread_local int tl_role = 0;
  // Holds roles 1..held_up_to at their next wait, and role 1 at its wake
  // to the drain if `hold_wake`; nobody stopped yet.
  static void Reset(int held_up_to, bool hold_wake) {
    for (int r = 0; r < kRoles; ++r) {
      held[r].store(r != 0 && r <= held_up_to);
      stopped[r].store(0);
      held_at_wake[r].store(hold_wake && r == 1);
      stopped_at_wake[r].store(0);
    }
  }
};

template <Mutation M>
struct HeldRing : TinyRingMutant<M> {
  static inline std::atomic<int> yields{0};
  static void Yield() noexcept {
    yields.fetch_add(1);
    std::this_thread::yield();
  }
  static void WaitWhile(std::atomic<std::uint32_t>& word,
                        std::uint32_t expected,
                        TinyRing::WaitClock::time_point deadline) noexcept {
    const int role = Hold::tl_role;
    if (role != 0 && Hold::held[role].load()) {
      Hold::stopped[role].fetch_add(1);
      while (Hold::held[role].load()) std::this_thread::yield();
    }
    TinyRing::WaitWhile(word, expected, deadline);
  }
  static void WakeAll(std::atomic<std::uint32_t>& word) noexcept {
    const int role = Hold::tl_role;
    // The drain's wake: the waiters' count down to its drain mark alone.
    if (role != 0 && Hold::held_at_wake[role].load() &&
        word.load() == (1U << 31U)) {
      Hold::stopped_at_wake[role].fetch_add(1);
      while (Hold::held_at_wake[role].load()) std::this_thread::yield();
    }
    TinyRing::WakeAll(word);
  }
};

using WakeCountingTinyRing = WakeCounting<TinyRing>;

// Capacity 1, the ring full behind a live head, callers listed behind it,
// each with a stop request: a request makes two wake-ups, its own caller's
// word and the list's head word (the head sleeps there, and looks again),
// whatever the number listed, and ends that wait alone, whether the caller
// is the list's head or not. The others keep their order.
TEST(SessionWaitOverflowTest, AStopRequestWakesOnlyItsListedCaller) {
  using CoreT = InstanceCore<WakeCountingTinyRing>;
  constexpr int kListed = 6;
  CoreT core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  OpenedSession first;
  std::thread head = FillRingBehindAHead(core, gen, &first);
  CoreT::Stop stops[kListed];
  std::thread callers[kListed];
  for (int i = 0; i < kListed; ++i) {
    callers[i] = std::thread([&core, gen, &stops, i] {
      OpenedSession s;
      EXPECT_EQ(core.BeginWait(gen, &s, kForever, &stops[i]),
                Error::kWaitCancelled);
    });
    while (core.ListedCallers() != static_cast<std::uint32_t>(i + 1)) {
      std::this_thread::yield();
    }
  }
  // From the middle, then the list's head, then the rest.
  for (const int i : {3, 0, 5, 1, 4, 2}) {
    const std::uint32_t listed = core.ListedCallers();
    WakeCountingTinyRing::wakes = 0;
    core.RequestStop(gen, &stops[i]);
    EXPECT_EQ(WakeCountingTinyRing::wakes, 2) << "caller " << i;
    callers[i].join();
    EXPECT_EQ(core.ListedCallers(), listed - 1) << "caller " << i;
  }
  // The ring's head is served; nothing is lost.
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  ASSERT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

// The library's policy with a ring of 4 cells and room for one caller owed
// a grant in the overflow list.
struct CrowdedRing : TinyRing {
  static constexpr std::uint32_t kOwedMax = 1;
};

// Capacity 1, the ring full behind a live head, L1 listed (owed a grant):
// L2 and L3, past the count's limit, wait outside the list. A stop request
// ends L3's wait; L2 is served once L1 has its grant, after L1.
TEST(SessionWaitOverflowTest, CallersPastTheOwedLimitWaitOutsideTheList) {
  using CoreT = InstanceCore<CrowdedRing>;
  CoreT core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  OpenedSession first;
  std::thread head = FillRingBehindAHead(core, gen, &first);
  OpenedSession got1;
  std::atomic<int> served{0};
  std::atomic<int> place1{-1};
  std::thread l1([&] {
    EXPECT_EQ(core.BeginWait(gen, &got1, kForever), Error::kSuccess);
    place1.store(served.fetch_add(1));
  });
  while (core.ListedCallers() != 1) std::this_thread::yield();
  OpenedSession got2;
  std::atomic<int> place2{-1};
  std::thread l2([&] {
    EXPECT_EQ(core.BeginWait(gen, &got2, kForever), Error::kSuccess);
    place2.store(served.fetch_add(1));
  });
  CoreT::Stop stop;
  std::atomic<bool> done3{false};
  OpenedSession got3;
  std::thread l3([&] {
    EXPECT_EQ(core.BeginWait(gen, &got3, kForever, &stop),
              Error::kWaitCancelled);
    done3.store(true);
  });
  // Both wait (slices of 50 ms), neither listed, both counted among the
  // waiters (with L1 and the ring's head) while they sleep.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(core.ListedCallers(), 1U);
  const auto waiters = [&] {
    SessionStatsData stats;
    EXPECT_EQ(core.Stats(gen, &stats), Error::kSuccess);
    return stats.waiters;
  };
  for (int i = 0; i < 1000 && waiters() != 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(waiters(), 4U);
  EXPECT_EQ(place2.load(), -1);
  EXPECT_FALSE(done3.load());
  core.RequestStop(gen, &stop);  // as the C++ API's stop callback
  l3.join();
  // The ring's head is served; its End mails its slot to L1.
  EXPECT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  head.join();
  EXPECT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  l1.join();
  EXPECT_EQ(place1.load(), 0);
  EXPECT_EQ(place2.load(), -1);
  EXPECT_EQ(core.End(got1.slot, got1.gen), Error::kSuccess);
  l2.join();
  EXPECT_EQ(place2.load(), 1);
  EXPECT_EQ(core.End(got2.slot, got2.gen), Error::kSuccess);
  EXPECT_EQ(core.ListedCallers(), 0U);
  ExpectRoomFor(core, gen, 1);
  Terminate(core);
}

// Capacity 2, both sessions open (*a, *b), and the ring full behind a live
// head (*first, its wait on *head). Returns the incarnation.
template <class CoreT>
std::uint64_t StartTwoOpenRingFull(CoreT& core, OpenedSession* a,
                                   OpenedSession* b, OpenedSession* first,
                                   std::thread* head) {
  const std::uint64_t gen = StartTwoOpen(core, a, b);
  *head = FillRingBehindAHead(core, gen, first);
  return gen;
}

// Starts a caller that waits with no deadline in `role` (Hold: held at its
// next wait, which the role must be), and returns once it is held there.
template <class CoreT>
std::thread StartHeldWaiter(CoreT& core, std::uint64_t gen, int role,
                            OpenedSession* got, Error* answer) {
  std::thread waiter([&core, gen, role, got, answer] {
    Hold::tl_role = role;
    *answer = core.BeginWait(gen, got, kForever);
  });
  while (Hold::stopped[role].load() == 0) std::this_thread::yield();
  return waiter;
}

// Capacity 2, the ring full behind a live head, two callers listed: L1 at
// the list's head, L2 behind it and held in its wait. The ring's head is
// served and ends its session: no ticket is left, so the grant goes to the
// list through the mailbox, decided before the Stop (L1's). Then a Stop
// sets its gate and an End mails a second grant, gated (L2's). The test
// holds the list's lock from before the first grant until both are in the
// mailbox, so L1 finds them together, the gated one on top. Returns L1's
// answer, with its session ended again.
template <Mutation M>
Error HeadAnswerWithTwoGrantsAcrossAStop() {
  using CoreT = InstanceCore<HeldRing<M>>;
  CoreT core;
  OpenedSession a;
  OpenedSession b;
  OpenedSession first;
  std::thread head;
  const std::uint64_t gen = StartTwoOpenRingFull(core, &a, &b, &first, &head);
  Hold::Reset(0, false);
  OpenedSession got1;
  Error answer1 = Error::kSuccess;
  std::thread l1([&] { answer1 = core.BeginWait(gen, &got1, kForever); });
  while (core.ListedCallers() != 1) std::this_thread::yield();
  Hold::held[2].store(true);
  OpenedSession got2;
  Error answer2 = Error::kSuccess;
  std::thread l2 = StartHeldWaiter(core, gen, 2, &got2, &answer2);
  EXPECT_EQ(core.ListedCallers(), 2U);
  std::uint64_t state = 0;
  // The test needs the list's lock, which only the core takes. Taken
  // before the head is served: L1, the list's head, wakes every 50 ms and
  // would move into the ring once the head's cell is free (EnqueueHead(),
  // under the lock), and first's End would then hand its slot to L1's
  // ticket instead of the mailbox (ThreadSanitizer's pace made that
  // happen in 3 runs of 30).
  auto* const pool = const_cast<typename CoreT::Pool*>(core.DebugPool(&state));
  pool->overflow().Lock();
  EXPECT_EQ(core.End(a.slot, a.gen), Error::kSuccess);
  head.join();
  EXPECT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  EXPECT_TRUE(pool->DebugFlag().mailed);
  // The Stop sets its gate, then waits for the lock to wake the listed.
  std::thread stop([&] { core.SetFlag(CoreT::kStopped); });
  while (!pool->DebugFlag().gated) std::this_thread::yield();
  EXPECT_EQ(core.End(b.slot, b.gen), Error::kSuccess);
  pool->overflow().Unlock();
  stop.join();
  l1.join();
  Hold::held[2].store(false);
  l2.join();
  for (auto [answer, got] : {std::pair{answer1, got1}, {answer2, got2}}) {
    if (answer == Error::kSuccess) {
      EXPECT_EQ(core.End(got.slot, got.gen), Error::kSuccess);
    }
  }
  EXPECT_EQ(core.ListedCallers(), 0U);
  Terminate(core);
  return answer1;
}

TEST(SessionWaitOverflowTest,
     AGrantMadeBeforeAStopIsTheHeadsWhateverCameAfter) {
  EXPECT_EQ(HeadAnswerWithTwoGrantsAcrossAStop<Mutation::kNone>(),
            Error::kSuccess);
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionWaitOverflowTest, CatchesHeadTakesTopMail) {
  EXPECT_EQ(HeadAnswerWithTwoGrantsAcrossAStop<Mutation::kHeadTakesTopMail>(),
            Error::kClientRequestToStopJetService)
      << "the mutant's head did not take the gated grant on top";
}
#endif  // JETSESSION_MUTANT_TESTS

enum class Leave { kDeadline, kStopRequest, kStopFlag };

// Capacity 2 and the ring full behind a live head; two callers listed, L1
// at the list's head and L2 behind it, both held in their waits. Two Ends
// mail a grant each to the list (one for L1, one for L2). Then L2 leaves
// (`how`) while L1 is still held, and L1 after it. Returns L2's answer, or
// nothing when L2's deadline passed before it was listed (a loaded
// machine: the caller tries again).
template <Mutation M>
std::optional<Error> SecondListedOnce(Leave how) {
  using Policy = HeldRing<M>;
  using CoreT = InstanceCore<Policy>;
  using PolicyClock = typename CoreT::WaitClock;
  CoreT core;
  OpenedSession a;
  OpenedSession b;
  OpenedSession first;
  std::thread head;
  const std::uint64_t gen = StartTwoOpenRingFull(core, &a, &b, &first, &head);
  Hold::Reset(2, false);
  OpenedSession got1;
  OpenedSession got2;
  Error answer1 = Error::kSuccess;
  Error answer2 = Error::kSuccess;
  typename CoreT::Stop stop;
  std::atomic<bool> done2{false};
  std::thread l1 = StartHeldWaiter(core, gen, 1, &got1, &answer1);
  const auto deadline = how == Leave::kDeadline
                            ? PolicyClock::now() + std::chrono::milliseconds(50)
                            : PolicyClock::time_point::max();
  std::thread l2([&] {
    Hold::tl_role = 2;
    answer2 = core.BeginWait(gen, &got2, deadline, &stop);
    done2.store(true);
  });
  while (Hold::stopped[2].load() == 0 && !done2.load()) {
    std::this_thread::yield();
  }
  const bool placed = Hold::stopped[2].load() != 0;
  if (placed) {
    EXPECT_EQ(core.ListedCallers(), 2U);
  }
  // The ring's head is served; then two frees find the list and no ticket.
  EXPECT_EQ(core.End(a.slot, a.gen), Error::kSuccess);
  head.join();
  EXPECT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  EXPECT_EQ(core.End(b.slot, b.gen), Error::kSuccess);
  switch (how) {
    case Leave::kDeadline:
      while (PolicyClock::now() <= deadline) std::this_thread::yield();
      break;
    case Leave::kStopRequest:
      core.RequestStop(gen, &stop);  // as the C++ API's stop callback
      break;
    case Leave::kStopFlag:
      core.SetFlag(CoreT::kStopped);
      break;
  }
  Hold::held[2].store(false);
  while (!done2.load()) std::this_thread::yield();
  Hold::held[1].store(false);
  l1.join();
  l2.join();
  EXPECT_EQ(answer1, Error::kSuccess);
  if (answer1 == Error::kSuccess) {
    EXPECT_EQ(core.End(got1.slot, got1.gen), Error::kSuccess);
  }
  if (answer2 == Error::kSuccess) {
    EXPECT_EQ(core.End(got2.slot, got2.gen), Error::kSuccess);
  }
  EXPECT_EQ(core.ListedCallers(), 0U);
  // The mutant's L2 leaves its grant in the mailbox, held by nobody.
  if (how != Leave::kStopFlag) {
    ExpectRoomFor(core, gen, M == Mutation::kNone ? 2 : 1);
  }
  Terminate(core);
  if (!placed) return std::nullopt;
  return answer2;
}

template <Mutation M>
Error SecondListedLeavingWithTwoGrants(Leave how) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (const std::optional<Error> answer = SecondListedOnce<M>(how)) {
      return *answer;
    }
  }
  ADD_FAILURE() << "L2 was never listed before its deadline";
  return Error::kSuccess;
}

// Two grants were decided while both waited: the second is L2's, whether
// its deadline passes, its caller asks it to stop or a Stop comes before
// it leaves. (The head is not the only caller a grant can be owed to.)
TEST(SessionWaitOverflowTest, AListedCallerBehindTheHeadTakesTheGrantOwedToIt) {
  for (Leave how : {Leave::kDeadline, Leave::kStopRequest, Leave::kStopFlag}) {
    EXPECT_EQ(SecondListedLeavingWithTwoGrants<Mutation::kNone>(how),
              Error::kSuccess)
        << "leaving by " << static_cast<int>(how);
  }
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionWaitOverflowTest, CatchesLeaverIgnoresMail) {
  EXPECT_EQ(SecondListedLeavingWithTwoGrants<Mutation::kLeaverIgnoresMail>(
                Leave::kDeadline),
            Error::kOutOfSessions);
  EXPECT_EQ(SecondListedLeavingWithTwoGrants<Mutation::kLeaverIgnoresMail>(
                Leave::kStopRequest),
            Error::kWaitCancelled);
  EXPECT_EQ(SecondListedLeavingWithTwoGrants<Mutation::kLeaverIgnoresMail>(
                Leave::kStopFlag),
            Error::kClientRequestToStopJetService);
}
#endif  // JETSESSION_MUTANT_TESTS

// Capacity 2 and the ring full behind a live head; one caller (L) listed
// and held in its wait. The ring's head is served and ends its session: no
// ticket is left, so that grant goes to L through the mailbox. L has not
// taken it yet when a second End comes: nobody else is listed, so that
// slot is free, and a plain Begin gets it. Returns the Begin's answer, and
// the open count just before it in *open (L's grant alone: 1).
template <Mutation M>
Error BeginBesideAGrantNotYetTaken(std::uint32_t* open) {
  using Policy = HeldRing<M>;
  using CoreT = InstanceCore<Policy>;
  CoreT core;
  OpenedSession a;
  OpenedSession b;
  OpenedSession first;
  std::thread head;
  const std::uint64_t gen = StartTwoOpenRingFull(core, &a, &b, &first, &head);
  Hold::Reset(1, false);
  OpenedSession got;
  Error answer = Error::kOutOfSessions;
  std::thread listed = StartHeldWaiter(core, gen, 1, &got, &answer);
  EXPECT_EQ(core.ListedCallers(), 1U);
  EXPECT_EQ(core.End(a.slot, a.gen), Error::kSuccess);
  head.join();
  EXPECT_EQ(core.End(first.slot, first.gen), Error::kSuccess);
  std::uint64_t state = 0;
  EXPECT_TRUE(core.DebugPool(&state)->DebugFlag().mailed);
  EXPECT_EQ(core.End(b.slot, b.gen), Error::kSuccess);
  *open = CountOf(core, gen);
  OpenedSession plain;
  const Error begun = core.Begin(gen, &plain);
  Hold::held[1].store(false);
  listed.join();
  EXPECT_EQ(answer, Error::kSuccess);
  if (answer == Error::kSuccess) {
    EXPECT_EQ(core.End(got.slot, got.gen), Error::kSuccess);
  }
  if (begun == Error::kSuccess) {
    EXPECT_EQ(core.End(plain.slot, plain.gen), Error::kSuccess);
  }
  EXPECT_EQ(core.ListedCallers(), 0U);
  // The mutant's second grant is left in the mailbox, held by nobody.
  ExpectRoomFor(core, gen, M == Mutation::kNone ? 2 : 1);
  Terminate(core);
  return begun;
}

// One listed caller gets one grant: a free that finds every listed caller
// with a grant decided frees its slot.
TEST(SessionWaitOverflowTest, AFreeMailsNoMoreGrantsThanTheListHasCallers) {
  std::uint32_t open = 0;
  EXPECT_EQ(BeginBesideAGrantNotYetTaken<Mutation::kNone>(&open),
            Error::kSuccess);
  EXPECT_EQ(open, 1U);
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionWaitOverflowTest, CatchesMailPastCallers) {
  std::uint32_t open = 0;
  EXPECT_EQ(BeginBesideAGrantNotYetTaken<Mutation::kMailPastCallers>(&open),
            Error::kOutOfSessions)
      << "the mutant's second End freed its slot";
  EXPECT_EQ(open, 2U) << "the mutant's count holds both grants";
}
#endif  // JETSESSION_MUTANT_TESTS

// HeldRing, with a free that decides a grant for the list held before its
// push while hold_push is set (a thread preempted there).
template <Mutation M>
struct PushHeldRing : HeldRing<M> {
  static inline std::atomic<bool> hold_push{false};
  static inline std::atomic<int> pushes_held{0};
  static void AfterMailDecided() noexcept {
    if (!hold_push.load()) return;
    pushes_held.fetch_add(1);
    while (hold_push.load()) std::this_thread::yield();
  }
};

// Capacity 2 and the ring full behind a live head; L0 listed and held in
// its wait, L1 listed behind it with a deadline of `l1_wait`. The ring's
// head is served, then an End decides a grant for L0 (for the first caller
// owed) and is held before its push. Then L1's deadline passes, and a Stop
// wakes L0, which leaves while its grant is still on its way. Returns L0's
// yields while it waits for that push: over 200 ms, or, when `spin_target`
// is not 0, until it has yielded that many times (at most 10 s: a spinner
// starved of CPU on a loaded machine gets there later, not never); *l1 is
// L1's answer, given while the push is held, and *l0 L0's.
template <Mutation M>
int LeaversBesideAHeldPush(Error* l0, Error* l1, int spin_target = 0) {
  using Policy = PushHeldRing<M>;
  using CoreT = InstanceCore<Policy>;
  CoreT core;
  OpenedSession a;
  OpenedSession b;
  OpenedSession first;
  std::thread head;
  const std::uint64_t gen = StartTwoOpenRingFull(core, &a, &b, &first, &head);
  Hold::Reset(1, false);
  Policy::pushes_held.store(0);
  OpenedSession got0;
  *l0 = Error::kSuccess;
  std::thread w0 = StartHeldWaiter(core, gen, 1, &got0, l0);
  std::atomic<bool> done1{false};
  OpenedSession got1;
  const auto deadline =
      CoreT::WaitClock::now() + std::chrono::milliseconds(300);
  std::thread w1([&] {
    *l1 = core.BeginWait(gen, &got1, deadline);
    done1.store(true);
  });
  while (core.ListedCallers() != 2) std::this_thread::yield();
  EXPECT_EQ(core.End(a.slot, a.gen), Error::kSuccess);
  head.join();
  Policy::hold_push.store(true);
  std::thread ender(
      [&] { EXPECT_EQ(core.End(first.slot, first.gen), Error::kSuccess); });
  while (Policy::pushes_held.load() == 0) std::this_thread::yield();
  // L1 is owed nothing (L0's grant is the only one decided): it answers
  // at its deadline, whatever the push.
  for (int i = 0; i < 400 && !done1.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(done1.load()) << "L1 waited for a push that is not its grant";
  // A Stop wakes L0: its grant is decided before the gate, not pushed.
  core.SetFlag(CoreT::kStopped);
  Policy::yields.store(0);
  Hold::held[1].store(false);
  if (spin_target == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } else {
    for (int i = 0; i < 1000 && Policy::yields.load() < spin_target; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  const int yields = Policy::yields.load();
  // The list's lock is free meanwhile (the Stop's alert and the count
  // take it).
  std::atomic<bool> counted{false};
  std::uint32_t listed = 0;
  std::thread counter([&] {
    listed = core.ListedCallers();
    counted.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const bool lock_free = counted.load();
  Policy::hold_push.store(false);
  ender.join();
  counter.join();
  w0.join();
  w1.join();
  if (M == Mutation::kNone) {
    EXPECT_TRUE(lock_free) << "the leaver held the list's lock while it waited";
    EXPECT_EQ(listed, 1U) << "L0 waits in the list for its push";
  }
  if (*l0 == Error::kSuccess) {
    EXPECT_EQ(core.End(got0.slot, got0.gen), Error::kSuccess);
  }
  EXPECT_EQ(core.End(b.slot, b.gen), Error::kSuccess);
  EXPECT_EQ(core.ListedCallers(), 0U);
  Terminate(core);
  return yields;
}

// A caller that leaves the list never waits for a push under the lock: one
// owed nothing answers at once, one whose grant is on its way sleeps until
// the push (a few yields at most) and takes it.
TEST(SessionWaitOverflowTest, LeaversDoNotSpinBesideAHeldPush) {
  Error l0 = Error::kSuccess;
  Error l1 = Error::kSuccess;
  EXPECT_LT(LeaversBesideAHeldPush<Mutation::kNone>(&l0, &l1), 20);
  EXPECT_EQ(l0, Error::kSuccess) << "the grant decided before the Stop";
  EXPECT_EQ(l1, Error::kOutOfSessions);
}

#if JETSESSION_MUTANT_TESTS
TEST(SessionWaitOverflowTest, CatchesLeaverWaitsLocked) {
  Error l0 = Error::kSuccess;
  Error l1 = Error::kSuccess;
  EXPECT_GE(
      LeaversBesideAHeldPush<Mutation::kLeaverWaitsLocked>(&l0, &l1, 1000),
      1000)
      << "the mutant's leaver did not spin";
  EXPECT_EQ(l0, Error::kSuccess);
}
#endif  // JETSESSION_MUTANT_TESTS

// The library's policy with a ring of 4 cells and a grow that stops right
// after its linearization point while `armed`, until `go`. The grow wakes
// no waiter (as if the woken waiters stayed descheduled): its units reach
// them through a leaver.
struct GrowHeldRing : TinyRing {
  static constexpr bool kGrowAlertsWaiters = false;
  static void WaitWhile(std::atomic<std::uint32_t>& word,
                        std::uint32_t expected,
                        WaitClock::time_point deadline) noexcept {
    WaitCountingAtomics::WaitWhile(word, expected, deadline);
  }
  static inline std::atomic<bool> armed{false};
  static inline std::atomic<bool> stopped{false};
  static inline std::atomic<bool> go{false};
  static void AfterGrowTakesEffect() noexcept {
    if (!armed.exchange(false)) return;
    stopped.store(true);
    while (!go.load()) std::this_thread::yield();
  }
};

// Capacity 1 (ceiling 3), the ring full behind a live head; L0 listed with
// no deadline, L behind it with one. A grow to 3 takes effect (two units)
// and its grower stops for good. L's deadline passes: L decides the units
// for the waiters without the list's lock, oldest first (the ring's head,
// then the list's head L0, by the mailbox), and answers OutOfSessions,
// three open; the head and L0 get their sessions, all while the grower
// stands still.
TEST(SessionWaitOverflowTest, ALeaverDecidesAStoppedGrowsUnitsForTheWaiters) {
  using CoreT = InstanceCore<GrowHeldRing>;
  CoreT core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(1, false, 3), Error::kSuccess);
  OpenedSession held;
  ASSERT_EQ(core.Begin(gen, &held), Error::kSuccess);
  OpenedSession first;
  std::thread head = FillRingBehindAHead(core, gen, &first);
  OpenedSession got0;
  std::atomic<bool> l0_done{false};
  const int waits = g_waits_begun.load();
  std::thread l0([&] {
    EXPECT_EQ(core.BeginWait(gen, &got0, kForever), Error::kSuccess);
    l0_done.store(true);
  });
  while (core.ListedCallers() != 1) std::this_thread::yield();
  const auto deadline =
      CoreT::WaitClock::now() + std::chrono::milliseconds(200);
  std::atomic<bool> l_done{false};
  std::thread l([&] {
    OpenedSession none;
    EXPECT_EQ(core.BeginWait(gen, &none, deadline), Error::kOutOfSessions);
    l_done.store(true);
  });
  while (core.ListedCallers() != 2) std::this_thread::yield();
  // The grow once both sleep (see g_waits_begun).
  EXPECT_TRUE(AwaitWaitsBegun(waits, 2)) << "the listed callers did not sleep";
  GrowHeldRing::stopped.store(false);
  GrowHeldRing::go.store(false);
  GrowHeldRing::armed.store(true);
  std::thread grow([&] { core.Resize(3); });
  while (!GrowHeldRing::stopped.load()) std::this_thread::yield();
  const auto limit =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!(l_done.load() && l0_done.load()) &&
         std::chrono::steady_clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(l_done.load()) << "L waited for the grower";
  EXPECT_TRUE(l0_done.load()) << "L0 waited for the grower";
  head.join();  // served by the grow's first unit
  GrowHeldRing::go.store(true);
  grow.join();
  l.join();
  l0.join();
  for (const OpenedSession& s : {held, first, got0}) {
    EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  }
  EXPECT_EQ(core.ListedCallers(), 0U);
  ExpectRoomFor(core, gen, 3);
  Terminate(core);
}

// JetTerm waits for a waiter that cannot run (held here, as a thread of
// lower priority on the Term's processor): it blocks on the waiters' count
// instead of spinning, and returns once the waiter left.
TEST(SessionWaitOverflowTest, TermBlocksWhileAWaiterIsOffTheProcessor) {
  using Policy = HeldRing<Mutation::kNone>;
  InstanceCore<Policy> core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  Hold::Reset(1, false);
  OpenedSession got;
  std::thread waiter([&] {
    Hold::tl_role = 1;
    EXPECT_EQ(core.BeginWait(gen, &got, kForever), Error::kTermInProgress);
  });
  while (Hold::stopped[1].load() == 0) std::this_thread::yield();
  core.SetFlag(InstanceCore<Policy>::kTerminating);
  std::atomic<bool> drained{false};
  std::thread term =
      StartHeldDrain(core, &drained, [] { return Policy::yields.load(); });
  Hold::held[1].store(false);
  term.join();
  waiter.join();
  EXPECT_TRUE(drained.load());
  core.Release();
}

// The last waiter to leave wakes JetTerm's drain after its count dropped:
// the drain, whose wait saw the count change before that wake, must not
// return while the waiter is still waking it (its last step in the
// library). Here the drain is held before its futex wait until the waiter
// is held inside its wake.
TEST(SessionWaitOverflowTest, TermReturnsAfterTheLastWaitersWake) {
  using Policy = HeldRing<Mutation::kNone>;
  InstanceCore<Policy> core;
  OpenedSession held;
  const std::uint64_t gen = StartFull(core, &held);
  Hold::Reset(2, true);
  OpenedSession got;
  std::thread waiter([&] {
    Hold::tl_role = 1;
    EXPECT_EQ(core.BeginWait(gen, &got, kForever), Error::kTermInProgress);
  });
  while (Hold::stopped[1].load() == 0) std::this_thread::yield();
  core.SetFlag(InstanceCore<Policy>::kTerminating);
  std::atomic<bool> drained{false};
  std::thread term([&] {
    Hold::tl_role = 2;
    core.Drain();
    drained.store(true);
  });
  // The drain has marked the count and stops before its futex wait.
  while (Hold::stopped[2].load() == 0) std::this_thread::yield();
  Hold::held[1].store(false);
  while (Hold::stopped_at_wake[1].load() == 0) std::this_thread::yield();
  // The waiter's count is down, its wake not yet issued; the drain goes on.
  Hold::held[2].store(false);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(drained.load()) << "JetTerm returned before the waiter's wake";
  Hold::held_at_wake[1].store(false);
  term.join();
  waiter.join();
  EXPECT_TRUE(drained.load());
  core.Release();
}

// A waiting Dup holds its source session busy; it lets go of it before it
// is uncounted, so that JetTerm's drain, once no waiter is counted, finds
// the source idle (a drain that found it busy would spin on it, behind a
// Dup that a Term of higher priority keeps off the processor). Here the
// Dup is held at the wake it issues to the drain, after its count dropped.
TEST(SessionWaitOverflowTest, AWaitingDupLetsGoOfItsSourceBeforeItLeaves) {
  using Policy = HeldRing<Mutation::kNone>;
  InstanceCore<Policy> core;
  OpenedSession source;
  StartFull(core, &source);
  Hold::Reset(2, true);
  OpenedSession got;
  std::thread dup([&] {
    Hold::tl_role = 1;
    EXPECT_EQ(core.DupWait(source.slot, source.gen, &got, kForever),
              Error::kTermInProgress);
  });
  while (Hold::stopped[1].load() == 0) std::this_thread::yield();
  core.SetFlag(InstanceCore<Policy>::kTerminating);
  std::thread term([&] {
    Hold::tl_role = 2;
    core.Drain();
  });
  while (Hold::stopped[2].load() == 0) std::this_thread::yield();
  Hold::held[1].store(false);
  while (Hold::stopped_at_wake[1].load() == 0) std::this_thread::yield();
  std::uint64_t state = 0;
  const auto* const pool = core.DebugPool(&state);
  EXPECT_EQ(pool->LoadControl(source.slot) & InstanceCore<Policy>::Pool::kBusy,
            0U)
      << "the Dup is uncounted while its source is still busy";
  Hold::held[2].store(false);
  Hold::held_at_wake[1].store(false);
  term.join();
  dup.join();
  core.Release();
}

}  // namespace
}  // namespace jetsession::internal
