// instance_core_test_util.h: helpers of the white-box tests that drive an
// InstanceCore directly (any atomics policy).
#ifndef JETSESSION_TESTS_INSTANCE_CORE_TEST_UTIL_H_
#define JETSESSION_TESTS_INSTANCE_CORE_TEST_UTIL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "instance_core.h"

namespace jetsession::internal {

// Policy `Base` whose futex wake-ups are counted, per thread: a test reads
// how many system calls a step of its own thread made.
template <class Base>
struct WakeCounting : Base {
  static inline thread_local int wakes = 0;
  static void WakeAll(std::atomic<std::uint32_t>& word) noexcept {
    ++wakes;
    Base::WakeAll(word);
  }
};

// Starts an incarnation of capacity 1 on `core` and opens its one session
// (*held): the pool is full. Returns the incarnation.
template <class Policy>
std::uint64_t StartFull(InstanceCore<Policy>& core, OpenedSession* held) {
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(1), Error::kSuccess);
  EXPECT_EQ(core.Begin(gen, held), Error::kSuccess);
  return gen;
}

// Starts an incarnation of capacity 2 on `core` and opens both its sessions
// (*a, *b). Returns the incarnation.
template <class Policy>
std::uint64_t StartTwoOpen(InstanceCore<Policy>& core, OpenedSession* a,
                           OpenedSession* b) {
  const std::uint64_t gen = core.Create();
  EXPECT_EQ(core.Init(2), Error::kSuccess);
  EXPECT_EQ(core.Begin(gen, a), Error::kSuccess);
  EXPECT_EQ(core.Begin(gen, b), Error::kSuccess);
  return gen;
}

// Waits that time out, on a full instance, until `n` tickets are queued:
// each leaves its ticket behind (a wait whose deadline passed before it
// queued takes none, hence the loop).
template <class CoreT>
void LeaveTicketsUntil(CoreT& core, std::uint64_t gen, std::uint32_t n) {
  using Clock = typename CoreT::WaitClock;
  for (int tries = 0; core.QueuedTickets() < n && tries < 100'000; ++tries) {
    OpenedSession s;
    ASSERT_EQ(
        core.BeginWait(gen, &s, Clock::now() + std::chrono::microseconds(50)),
        Error::kOutOfSessions);
  }
}

// Exactly `room` more sessions open on incarnation `gen`, then a Begin
// answers OutOfSessions; the sessions opened are ended again.
template <class Policy>
void ExpectRoomFor(InstanceCore<Policy>& core, std::uint64_t gen,
                   std::uint32_t room) {
  std::vector<OpenedSession> opened(room);
  for (OpenedSession& s : opened) {
    EXPECT_EQ(core.Begin(gen, &s), Error::kSuccess);
  }
  OpenedSession none;
  EXPECT_EQ(core.Begin(gen, &none), Error::kOutOfSessions);
  for (const OpenedSession& s : opened) {
    EXPECT_EQ(core.End(s.slot, s.gen), Error::kSuccess);
  }
}

// Checks that a thread that waits for what the test holds, once under way,
// makes no step that `steps()` counts (its policy's yields) for 50 ms: it
// sleeps or blocks instead of spinning (`who` names it in the failure).
//
// "Under way": the thread has started (it sets `started` first) and may
// yield a few times before it sleeps. On a loaded machine a thread can
// wait for the processor longer than any fixed delay, before its first
// step or between two yields, so the check starts once `steps()` stood
// still for 200 ms after `started` (a thread that spins never does: after
// 5 s the check starts anyway, and fails).
template <class Steps>
void ExpectAsleep(Steps steps, const std::atomic<bool>& started,
                  const char* who) {
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!started.load() && std::chrono::steady_clock::now() < limit) {
    std::this_thread::yield();
  }
  int before = steps();
  for (int still = 0; still < 4 && std::chrono::steady_clock::now() < limit;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const int now = steps();
    still = now == before ? still + 1 : 0;
    before = now;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(steps(), before) << who << " spins while it waits";
}

// Starts JetTerm's drain of `core` (the caller has set Terminating) on a
// thread, while what the drain waits for cannot go on (the test holds it),
// and checks that, once under way, it sleeps (ExpectAsleep()) and has not
// returned. *drained becomes true when Drain() returns. Returns the thread.
template <class CoreT, class Steps>
std::thread StartHeldDrain(CoreT& core, std::atomic<bool>* drained,
                           Steps steps) {
  std::atomic<bool> started{false};
  std::thread term([&core, drained, &started] {
    started.store(true);
    core.Drain();
    drained->store(true);
  });
  ExpectAsleep(steps, started, "the drain");
  EXPECT_FALSE(drained->load());
  // `started` lives here: the thread has set it before this returns.
  while (!started.load()) std::this_thread::yield();
  return term;
}

// Starts a thread that waits on `core` with no deadline, and returns once
// its ticket is taken (the queue held `queued` tickets before).
template <class CoreT>
std::thread StartLiveWaiter(CoreT& core, std::uint64_t gen, OpenedSession* s,
                            std::uint32_t queued) {
  std::thread waiter([&core, gen, s] {
    EXPECT_EQ(core.BeginWait(gen, s, CoreT::WaitClock::time_point::max()),
              Error::kSuccess);
  });
  while (core.QueuedTickets() != queued + 1) std::this_thread::yield();
  return waiter;
}

// Terminates an incarnation the way JetTerm does.
template <class Policy>
void Terminate(InstanceCore<Policy>& core) {
  core.SetFlag(InstanceCore<Policy>::kTerminating);
  core.Drain();
  core.Release();
}

// Open sessions of incarnation `gen` (which must be live).
template <class Policy>
std::uint32_t CountOf(const InstanceCore<Policy>& core, std::uint64_t gen) {
  std::uint32_t count = 0;
  EXPECT_EQ(core.Count(gen, &count), Error::kSuccess);
  return count;
}

}  // namespace jetsession::internal

#endif  // JETSESSION_TESTS_INSTANCE_CORE_TEST_UTIL_H_
