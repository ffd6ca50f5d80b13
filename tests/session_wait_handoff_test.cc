// White-box schedules of the hand-off to a waiter (src/slot_pool.h
// AfterFreeWhileFull() and HandOver(), src/instance_core.h AwaitTicket()),
// played deterministically with a hook before the cell's compare-exchange.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "atomics_hooks.h"
#include "gtest/gtest.h"
#include "instance_core.h"

namespace jetsession::internal {
namespace {

using Policy = WrappedPolicy<CellHookAtomic>;
using Core = InstanceCore<Policy>;
using Clock = Core::WaitClock;

void Terminate(Core& core) {
  core.SetFlag(Core::kTerminating);
  core.Drain();
  core.Release();
}

std::uint32_t CountOf(const Core& core, std::uint64_t gen) {
  std::uint32_t count = 0;
  EXPECT_EQ(core.Count(gen, &count), Error::kSuccess);
  return count;
}

// Two Ends find one ticket between them. The first takes it and stops just
// before it delivers its slot; the second finds no ticket left and frees
// its slot; the waiter's deadline passes. The waiter must not answer
// OutOfSessions with a slot free after its deadline: it claims that slot.
// (Answering OutOfSessions at the cancel was the first version's defect,
// found by verification/spin/wait_queue.pml.)
TEST(SessionWaitHandOffTest, ATimedOutWaiterTakesASlotFreedBesideItsHandOff) {
  Core core;
  const std::uint64_t gen = core.Create();
  ASSERT_EQ(core.Init(2), Error::kSuccess);
  OpenedSession a;
  OpenedSession b;
  ASSERT_EQ(core.Begin(gen, &a), Error::kSuccess);
  ASSERT_EQ(core.Begin(gen, &b), Error::kSuccess);
  CellHook::on = std::this_thread::get_id();
  std::atomic<bool> returned{false};
  Error waited = Error::kInvalidParameter;
  OpenedSession w;
  std::thread waiter([&] {
    waited =
        core.BeginWait(gen, &w, Clock::now() + std::chrono::milliseconds(100));
    returned.store(true, std::memory_order_release);
  });
  while (core.QueuedTickets() != 1) std::this_thread::yield();
  bool ran = false;
  CellHook::before = [&] {
    ran = true;
    // This thread's End took the ticket and is about to deliver slot a.
    // Another End frees slot b: no ticket is left for it.
    EXPECT_EQ(core.End(b.slot, b.gen), Error::kSuccess);
    // The waiter's deadline passes while slot a is on its way.
    while (!returned.load(std::memory_order_acquire)) {
      std::this_thread::yield();
    }
  };
  ASSERT_EQ(core.End(a.slot, a.gen), Error::kSuccess);
  waiter.join();
  EXPECT_TRUE(ran) << "the schedule did not run";
  ASSERT_EQ(waited, Error::kSuccess)
      << "a timed-out waiter answered OutOfSessions with a slot free";
  EXPECT_EQ(w.slot, b.slot);
  // The delivery found the waiter gone: slot a went back to the pool.
  EXPECT_EQ(CountOf(core, gen), 1U);
  OpenedSession again;
  EXPECT_EQ(core.Begin(gen, &again), Error::kSuccess);
  EXPECT_EQ(core.End(again.slot, again.gen), Error::kSuccess);
  EXPECT_EQ(core.End(w.slot, w.gen), Error::kSuccess);
  Terminate(core);
}

}  // namespace
}  // namespace jetsession::internal
