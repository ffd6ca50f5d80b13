// White-box tests of the waiters' queue (InstanceCore::BeginWait(), the
// pool's tickets and cells): first come, first served, and the tickets of
// waiters that left.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

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
void AwaitQueued(const Core& core, std::uint32_t n) {
  while (core.QueuedTickets() != n) std::this_thread::yield();
}

// Waits that time out, on a full instance, until `n` tickets are queued:
// each leaves its ticket behind (a wait whose deadline passed before it
// queued takes none, hence the loop).
template <class CoreT>
void LeaveTicketsUntil(CoreT& core, std::uint64_t gen, std::uint32_t n) {
  for (int tries = 0; core.QueuedTickets() < n && tries < 100'000; ++tries) {
    OpenedSession s;
    ASSERT_EQ(
        core.BeginWait(gen, &s, Clock::now() + std::chrono::microseconds(50)),
        Error::kOutOfSessions);
  }
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
  // Two waiters time out, a third waits: the End's slot goes to the third.
  for (int i = 0; i < 2; ++i) {
    OpenedSession s;
    EXPECT_EQ(
        core.BeginWait(gen, &s, Clock::now() + std::chrono::milliseconds(5)),
        Error::kOutOfSessions);
  }
  EXPECT_EQ(core.QueuedTickets(), 2U);
  OpenedSession third;
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    EXPECT_EQ(core.BeginWait(gen, &third, kForever), Error::kSuccess);
    done = true;
  });
  AwaitQueued(core, 3);
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  waiter.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(core.QueuedTickets(), 0U);
  ASSERT_EQ(core.End(third.slot, third.gen), Error::kSuccess);
  // Nothing was lost: the slot is free again.
  OpenedSession again;
  EXPECT_EQ(core.Begin(gen, &again), Error::kSuccess);
  ASSERT_EQ(core.End(again.slot, again.gen), Error::kSuccess);
  Terminate(core);
}

TEST(SessionWaitOrderTest, TicketsLeftByWaitersAreDroppedByTheNextIncarnation) {
  Core core;
  std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(1), Error::kSuccess);
  OpenedSession held;
  ASSERT_EQ(core.Begin(gen, &held), Error::kSuccess);
  OpenedSession s;
  EXPECT_EQ(
      core.BeginWait(gen, &s, Clock::now() + std::chrono::milliseconds(2)),
      Error::kOutOfSessions);
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
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(1), Error::kSuccess);
  OpenedSession held;
  ASSERT_EQ(core.Begin(gen, &held), Error::kSuccess);
  // Fill the ring with the tickets of waiters that left.
  constexpr std::uint32_t kCells =
      InstanceCore<SmallRing>::Pool::WaitQueue::kCells;
  LeaveTicketsUntil(core, gen, kCells);
  ASSERT_EQ(core.QueuedTickets(), kCells);
  OpenedSession next;
  std::thread waiter([&] {
    EXPECT_EQ(core.BeginWait(gen, &next, kForever), Error::kSuccess);
  });
  // The waiter finds no free cell and waits for one. The End passes over
  // the kCells tickets of the waiters that left (freeing their cells) and
  // frees its slot, which the waiter then claims or is handed.
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(core.End(held.slot, held.gen), Error::kSuccess);
  waiter.join();
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

}  // namespace
}  // namespace jetsession::internal
