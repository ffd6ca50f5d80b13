// JetExtGetSessionStats under concurrency (the contract's "Statistics"):
//  - while Begins, Dups, Ends and waits run, no figure reported goes below
//    one reported before, cSessionsBegun >= cSessionsEnded, and the open
//    count stays within the capacity;
//  - once the calls have returned, every count equals what the callers saw
//    (their successes, their OutOfSessions answers), also after a Stop that
//    met waiters who had been handed a session.
#include <jetsession/jet.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "concurrency_test_util.h"
#include "gtest/gtest.h"

namespace jetsession::concurrency_test {
namespace {

using ConcurrencyStatsTest = ConcurrencyTest;

JET_ERR ReadStats(JET_INSTANCE inst, JET_EXTSESSIONSTATS* stats) {
  *stats = JET_EXTSESSIONSTATS{};
  stats->cbStruct = sizeof *stats;
  return JetExtGetSessionStats(inst, stats);
}

// What the callers saw.
struct Seen {
  std::atomic<long> begun{0};
  std::atomic<long> ended{0};
  std::atomic<long> out_of_sessions{0};
};

TEST_F(ConcurrencyStatsTest, FiguresNeverGoBackAndAreExactAtRest) {
  const std::uint64_t seed = TestSeed("FiguresNeverGoBackAndAreExactAtRest");
  const int threads = ThreadCount() + 2;
  const int rounds = StressScale(12);
  Failures failures;
  long reads = 0;
  for (int round = 0; round < rounds; ++round) {
    const unsigned long capacity = 1 + static_cast<unsigned long>(round % 4);
    ScopedInstance inst(capacity, "stats");
    ASSERT_TRUE(inst.ok());
    Seen seen;
    std::atomic<bool> stop_reader{false};
    const bool stop_at_end = round % 2 == 1;
    std::thread reader([&] {
      JET_EXTSESSIONSTATS last{};
      while (!stop_reader.load(std::memory_order_acquire)) {
        JET_EXTSESSIONSTATS now{};
        const JET_ERR err = ReadStats(inst.get(), &now);
        if (!failures.Expect(err == JET_errSuccess,
                             [&] { return "stats: " + ErrName(err); })) {
          break;
        }
        ++reads;
        failures.Expect(
            now.cSessionsBegun >= last.cSessionsBegun &&
                now.cSessionsEnded >= last.cSessionsEnded &&
                now.cOutOfSessions >= last.cOutOfSessions &&
                now.cWaits >= last.cWaits &&
                now.cWaitTimeouts >= last.cWaitTimeouts &&
                now.cmsecWaitTotal >= last.cmsecWaitTotal,
            [&] {
              return absl::StrFormat(
                  "a figure went back: begun %llu->%llu ended %llu->%llu "
                  "oos %llu->%llu waits %llu->%llu",
                  last.cSessionsBegun, now.cSessionsBegun, last.cSessionsEnded,
                  now.cSessionsEnded, last.cOutOfSessions, now.cOutOfSessions,
                  last.cWaits, now.cWaits);
            });
        failures.Expect(now.cSessionsBegun >= now.cSessionsEnded, [&] {
          return absl::StrFormat("begun %llu < ended %llu", now.cSessionsBegun,
                                 now.cSessionsEnded);
        });
        failures.Expect(now.cSessionsOpen <= capacity, [&] {
          return absl::StrFormat("open %lu > capacity %lu", now.cSessionsOpen,
                                 capacity);
        });
        last = now;
      }
    });
    RunThreads(threads, [&](int t) {
      absl::BitGen gen =
          ThreadGen(seed, static_cast<std::uint64_t>(round * 100 + t));
      std::vector<JET_SESID> mine;
      for (int i = 0; i < StressScale(400); ++i) {
        const int op = static_cast<int>(Pick(gen, 4));
        if (op == 0 && !mine.empty()) {
          const std::size_t k = Pick(gen, mine.size());
          const JET_ERR err = JetEndSession(mine[k], 0);
          if (err == JET_errSuccess) {
            seen.ended.fetch_add(1);
            SwapErase(mine, k);
          } else {
            failures.Expect(false, [&] { return "End: " + ErrName(err); });
          }
          continue;
        }
        JET_SESID s = 0;
        JET_ERR err = JET_errSuccess;
        if (op == 1 && !mine.empty()) {
          err = JetDupSession(mine[Pick(gen, mine.size())], &s);
        } else if (op == 2) {
          err = JetExtBeginSessionWait(
              inst.get(), &s, static_cast<unsigned long>(Pick(gen, 3)));
        } else {
          err = JetBeginSession(inst.get(), &s, nullptr, nullptr);
        }
        if (err == JET_errSuccess) {
          seen.begun.fetch_add(1);
          mine.push_back(s);
        } else if (err == JET_errOutOfSessions) {
          seen.out_of_sessions.fetch_add(1);
        } else if (err != JET_errSessionSharingViolation &&
                   !(stop_at_end &&
                     err == JET_errClientRequestToStopJetService)) {
          failures.Expect(false, [&] { return "call: " + ErrName(err); });
        }
        if (mine.size() > 2) {
          if (JetEndSession(mine.front(), 0) == JET_errSuccess) {
            seen.ended.fetch_add(1);
          }
          SwapErase(mine, 0);
        }
      }
      if (stop_at_end) {
        // Waiters meet a Stop (some after a session was handed to them);
        // sessions held are ended afterwards.
        JET_SESID s = 0;
        const JET_ERR err = JetExtBeginSessionWait(inst.get(), &s, 50);
        if (err == JET_errSuccess) {
          seen.begun.fetch_add(1);
          mine.push_back(s);
        } else if (err == JET_errOutOfSessions) {
          seen.out_of_sessions.fetch_add(1);
        }
        if (t == 0) JetStopServiceInstance(inst.get());
      }
      for (const JET_SESID s : mine) {
        if (JetEndSession(s, 0) == JET_errSuccess) seen.ended.fetch_add(1);
      }
    });
    stop_reader.store(true, std::memory_order_release);
    reader.join();
    JET_EXTSESSIONSTATS rest{};
    ASSERT_EQ(ReadStats(inst.get(), &rest), JET_errSuccess);
    EXPECT_EQ(rest.cSessionsBegun,
              static_cast<unsigned long long>(seen.begun.load()))
        << "round " << round;
    EXPECT_EQ(rest.cSessionsEnded,
              static_cast<unsigned long long>(seen.ended.load()))
        << "round " << round;
    EXPECT_EQ(rest.cOutOfSessions,
              static_cast<unsigned long long>(seen.out_of_sessions.load()))
        << "round " << round;
    EXPECT_EQ(rest.cSessionsOpen, 0U);
    EXPECT_EQ(rest.cWaiters, 0U);
    EXPECT_LE(rest.cWaitTimeouts, rest.cWaits);
    EXPECT_LE(rest.cWaitTimeouts, rest.cOutOfSessions);
  }
  failures.Check();
  std::printf(
      "[FiguresNeverGoBackAndAreExactAtRest] threads=%d rounds=%d "
      "reads=%ld\n",
      threads, rounds, reads);
}

}  // namespace
}  // namespace jetsession::concurrency_test
