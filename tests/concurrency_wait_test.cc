// Waiting for a session under concurrency (the contract's "Waiting for a
// session"): at least 8 threads on this 2-core machine wait for the few
// sessions of small instances.
//  - Nothing is lost: while callers wait no slot stays free, so a waiter
//    with a long deadline is always served (a lost wake-up would leave it
//    waiting to its deadline: OutOfSessions, reported).
//  - Never more than capacity open, and the count exact at the end.
//  - A timeout racing a hand-off either returns the session or leaves it to
//    the next caller: afterwards the instance takes exactly its capacity.
//  - Term while callers wait: every waiter returns before JetTerm does.
//
// No timing is asserted; the deadlines only bound a hang. Each test prints
// its op counts and its seed.
#include <jetsession/jet.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

using ConcurrencyWaitTest = ConcurrencyTest;

// A deadline no served waiter comes near: reaching it means a lost wake-up.
constexpr unsigned long kHangMs = 20'000;

// Begins with a wait (or Dups one of `mine` with a wait), checking the
// capacity bound on success.
JET_ERR WaitForOne(JET_INSTANCE inst, absl::BitGen& gen,
                   std::vector<JET_SESID>& mine, unsigned long cmsec,
                   std::atomic<int>& open, int capacity, Failures& failures) {
  JET_SESID s = 0;
  const bool dup = !mine.empty() && absl::Bernoulli(gen, 0.3);
  const JET_ERR err =
      dup ? JetExtDupSessionWait(mine[Pick(gen, mine.size())], &s, cmsec)
          : JetExtBeginSessionWait(inst, &s, cmsec);
  if (err == JET_errSuccess) {
    const int now = open.fetch_add(1) + 1;
    failures.Expect(now <= capacity, [&] {
      return absl::StrFormat("%d open, capacity %d", now, capacity);
    });
    mine.push_back(s);
  }
  return err;
}

void EndOne(absl::BitGen& gen, std::vector<JET_SESID>& mine,
            std::atomic<int>& open, Failures& failures) {
  const std::size_t i = Pick(gen, mine.size());
  open.fetch_sub(1);
  const JET_ERR err = JetEndSession(mine[i], 0);
  failures.Expect(err == JET_errSuccess,
                  [&] { return "End: " + ErrName(err); });
  SwapErase(mine, i);
}

// T threads, each holding at most 2 sessions, on capacity 3: most Begins
// wait, and every one must be served.
TEST_F(ConcurrencyWaitTest, WaitersAreAlwaysServed) {
  const std::uint64_t seed = TestSeed("WaitersAreAlwaysServed");
  constexpr int kCapacity = 3;
  const int threads = ThreadCount();
  const int rounds = StressScale(4000);
  ScopedInstance instance(kCapacity, "wait-served");
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::atomic<int> open{0};
  std::atomic<long> served{0};
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    std::vector<JET_SESID> mine;
    long my_served = 0;
    for (int r = 0; r < rounds; ++r) {
      // Hold at most one session while waiting for a second: with 8 or
      // more threads on 3 slots, some holders always end theirs.
      if (mine.empty()) {
        // A plain Begin first: when it finds the pool full, the wait that
        // follows is one that had to wait (or raced a free).
        JET_SESID s = 0;
        const JET_ERR plain =
            JetBeginSession(instance.get(), &s, nullptr, nullptr);
        if (plain == JET_errSuccess) {
          JetEndSession(s, 0);
        } else {
          const JET_ERR err = WaitForOne(instance.get(), gen, mine, kHangMs,
                                         open, kCapacity, failures);
          failures.Expect(err == JET_errSuccess, [&] {
            return "a waiter not served: " + ErrName(err);
          });
          my_served += err == JET_errSuccess ? 1 : 0;
        }
      }
      if (mine.empty()) {
        const JET_ERR err = WaitForOne(instance.get(), gen, mine, kHangMs, open,
                                       kCapacity, failures);
        failures.Expect(err == JET_errSuccess,
                        [&] { return "a waiter not served: " + ErrName(err); });
      }
      // Hold it across a few yields, so that the others find the pool full.
      for (int y = absl::Uniform(gen, 0, 4); y > 0; --y) {
        std::this_thread::yield();
      }
      if (!mine.empty()) EndOne(gen, mine, open, failures);
    }
    while (!mine.empty()) EndOne(gen, mine, open, failures);
    served += my_served;
  });
  ExpectDrained(failures, instance.get(), "",
                absl::StrFormat("[WaitersAreAlwaysServed] threads=%d "
                                "capacity=%d: %ld waits after a plain "
                                "Begin found the pool full, all served",
                                threads, kCapacity, served.load()));
}

// Short deadlines race the hand-offs: each wait returns Success or
// OutOfSessions, and afterwards the instance takes exactly its capacity.
TEST_F(ConcurrencyWaitTest, TimeoutsRacingHandOffsLoseNothing) {
  const std::uint64_t seed = TestSeed("TimeoutsRacingHandOffsLoseNothing");
  constexpr int kCapacity = 2;
  const int threads = ThreadCount();
  const int rounds = StressScale(3000);
  ScopedInstance instance(kCapacity, "wait-timeouts");
  ASSERT_TRUE(instance.ok());
  Failures failures;
  std::atomic<int> open{0};
  std::atomic<long> served{0};
  std::atomic<long> timed_out{0};
  RunThreads(threads, [&](int t) {
    absl::BitGen gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
    std::vector<JET_SESID> mine;
    for (int r = 0; r < rounds; ++r) {
      if (mine.size() < 2) {
        const auto cmsec = absl::Uniform<unsigned long>(gen, 0, 3);
        const JET_ERR err = WaitForOne(instance.get(), gen, mine, cmsec, open,
                                       kCapacity, failures);
        failures.Expect(err == JET_errSuccess || err == JET_errOutOfSessions,
                        [&] { return "BeginWait: " + ErrName(err); });
        (err == JET_errSuccess ? served : timed_out).fetch_add(1);
      }
      if (!mine.empty() && absl::Bernoulli(gen, 0.6)) {
        EndOne(gen, mine, open, failures);
      }
    }
    while (!mine.empty()) EndOne(gen, mine, open, failures);
  });
  // Nothing was lost: exactly kCapacity Begins succeed now.
  std::vector<JET_SESID> all;
  for (int i = 0; i < kCapacity; ++i) {
    JET_SESID s = 0;
    EXPECT_EQ(JetBeginSession(instance.get(), &s, nullptr, nullptr),
              JET_errSuccess);
    all.push_back(s);
  }
  JET_SESID extra = 0;
  EXPECT_EQ(JetBeginSession(instance.get(), &extra, nullptr, nullptr),
            JET_errOutOfSessions);
  for (const JET_SESID s : all) EXPECT_EQ(JetEndSession(s, 0), JET_errSuccess);
  ExpectDrained(
      failures, instance.get(), "",
      absl::StrFormat("[TimeoutsRacingHandOffsLoseNothing] "
                      "threads=%d capacity=%d: %ld served, %ld "
                      "timed out",
                      threads, kCapacity, served.load(), timed_out.load()));
}

// JetTerm while callers wait and hold: every waiter has returned when
// JetTerm returns, with Success (served before the Term) or a state error.
TEST_F(ConcurrencyWaitTest, TermWaitsForEveryWaiter) {
  const std::uint64_t seed = TestSeed("TermWaitsForEveryWaiter");
  const int threads = ThreadCount();
  const int rounds = StressScale(200);
  Failures failures;
  long waits = 0;
  for (int round = 0; round < rounds; ++round) {
    absl::BitGen gen = ThreadGen(seed, 1000U + static_cast<unsigned>(round));
    const JET_INSTANCE inst =
        CreateRunning(UniqueName("wait-term"), 1 + round % 3);
    ASSERT_NE(inst, 0U);
    std::atomic<int> running{threads};
    std::atomic<long> calls{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        absl::BitGen my_gen = ThreadGen(seed, static_cast<std::uint64_t>(t));
        std::vector<JET_SESID> mine;
        for (;;) {
          JET_SESID s = 0;
          const JET_ERR err =
              JetExtBeginSessionWait(inst, &s, JET_cmsecExtWaitForever);
          calls.fetch_add(1);
          if (err != JET_errSuccess) {
            failures.Expect(
                IsOneOf(err, {JET_errTermInProgress, JET_errInvalidInstance}),
                [&] { return "BeginWait during Term: " + ErrName(err); });
            break;
          }
          mine.push_back(s);
          if (mine.size() > 1 || absl::Bernoulli(my_gen, 0.5)) {
            const JET_ERR end = JetEndSession(mine.front(), 0);
            if (end != JET_errSuccess) break;  // Term force-ends them
            mine.erase(mine.begin());
          }
        }
        running.fetch_sub(1);
      });
    }
    Jitter(gen, 20000);
    EXPECT_EQ(JetTerm(inst), JET_errSuccess);
    // Callers that started after Term returned get InvalidInstance at once;
    // but none may still be inside a wait that started before.
    for (auto& w : workers) w.join();
    waits += calls.load();
  }
  failures.Check();
  std::printf("[TermWaitsForEveryWaiter] threads=%d rounds=%d: %ld waits\n",
              threads, rounds, waits);
}

}  // namespace
}  // namespace jetsession::concurrency_test
